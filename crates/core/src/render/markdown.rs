//! Chat markdown for the client behind an AWS Chatbot channel. Chatbot hands a custom
//! notification's `client-markdown` to the chat client untouched, so every card is written in
//! one client's syntax: Slack's mrkdwn or Microsoft Teams' markdown. Text from a finding goes
//! through [`Markdown::text`] or [`Markdown::code`], which bound it, defang its URLs and domains
//! and neutralise everything the client would read as markup, a link or a mention; Watchpost's
//! own markup (bold labels, console links) comes only from the other methods here.
//!
//! Slack. Its formatting guide names `&`, `<` and `>` as the only control characters, sent as
//! HTML entities; there are no backslash escapes (a backslash shows as itself). So:
//! - `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;`: no `<…>` construct (link, `<!here>`,
//!   `<@U…>`, `<#C…>`) can come from a finding.
//! - `*`, `_`, `~` only format when they stand at a word boundary; between two ASCII letters or
//!   digits (`IMPOSSIBLE_TRAVEL`, `ml_training_data`) they are plain text and stay exactly as
//!   they were. At a boundary they become the look-alikes `∗` (U+2217), `ˍ` (U+02CD), `∼`
//!   (U+223C); a backtick always becomes `ˋ` (U+02CB), and Slack's full-width variants, which it
//!   also reads as markup, get the same treatment. The reader sees the original characters'
//!   shapes, no formatting, and no stray escapes. Why not the alternatives: backslashes show
//!   literally; wrapping prose in inline code reads badly and a backtick in the text would close
//!   the span; zero-width spaces around a delimiter are what *enables* Slack's formatting inside
//!   words; and Slack's date-fallback trick (`<!date^0^{_}|*>`) would itself be a `<…>`
//!   construct Watchpost did not mean to build.
//! - A leading `>` quotes a line, but a finding's text never starts a line: every line of a
//!   card starts with Watchpost's own label or bullet, and [`crate::text::clip`] has already
//!   folded line breaks into spaces.
//! - `@` becomes the full-width `＠` and a `#` before a name `＃`: Slack auto-parses `@here`,
//!   `@channel` and channel names in text it is not told to leave verbatim.
//! - Identifiers ([`Markdown::code`]) are also shown in inline code, neutralised the same way,
//!   so that their safety does not depend on how Slack nests code and emphasis.
//!
//! Teams. Its markdown follows CommonMark, where a backslash escapes any ASCII punctuation: each
//! markup character from a finding is escaped (`\*`, `\[`, `\<`, `\{` …), so no emphasis, link
//! (`[label](url)`), HTML-like tag (`<at>` mentions) or card template (`{{DATE(…)}}`) can form.
//! Teams needs an `<at>` tag and a mention entity to notify anyone; `@` still becomes `＠`, as in
//! Slack.
//! Adaptive Cards, in which Teams shows the card, have no inline code, so identifiers are plain
//! escaped text.
//!
//! For both, [`crate::text::defang`] has broken every URL and domain name first: Slack and Teams
//! link bare URLs and domains by themselves.

use std::borrow::Cow;

use crate::config::ChatClient;
use crate::text::{clip, defang};

/// Writes markdown for one chat client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Markdown {
    client: ChatClient,
}

impl Markdown {
    pub fn new(client: ChatClient) -> Self {
        Markdown { client }
    }

    pub fn client(self) -> ChatClient {
        self.client
    }

    /// Text from a finding (or from an AWS service about it), as prose: at most `max_chars`
    /// characters once written, ending in `…` when cut.
    pub fn text(self, untrusted: &str, max_chars: usize) -> String {
        // Cut first, defang after: a cut can turn a name into a domain (`anthropic.claude-v2`
        // cut after `claude`). Look-alikes before defanging, so that it sees the text as it will
        // be shown (`ˍ` is a letter to a linkifier); the client's escapes last. When escapes make
        // it too long, cut the source shorter and write it again.
        let mut source_chars = max_chars;
        loop {
            let clipped = clip(untrusted, source_chars);
            let shown = defang(&look_alikes(self.client, &clipped));
            let written = escaped(self.client, shown);
            // No more bytes than the bound: no more characters either.
            let length = if written.len() <= max_chars {
                written.len()
            } else {
                written.chars().count()
            };
            if length <= max_chars || source_chars == 0 {
                return written;
            }
            source_chars = (source_chars - 1).min(source_chars * max_chars / length);
        }
    }

    /// An identifier from a finding (account, resource id, address, API): inline code in Slack,
    /// plain text in Teams; at most `max_chars` characters once written.
    pub fn code(self, untrusted: &str, max_chars: usize) -> String {
        match self.client {
            // Too short for the backticks: plain text, still neutralised.
            ChatClient::Slack if max_chars < 3 => self.text(untrusted, max_chars),
            ChatClient::Slack => {
                let inner = self.text(untrusted, max_chars - 2);
                if inner.is_empty() {
                    // An empty code span shows its two backticks.
                    "–".to_owned()
                } else {
                    format!("`{inner}`")
                }
            }
            ChatClient::Teams => self.text(untrusted, max_chars),
        }
    }

    /// Watchpost's own bold label (fixed text with no markup characters in it).
    pub fn bold(self, label: &str) -> String {
        debug_assert!(is_plain_label(label), "{label:?}");
        match self.client {
            ChatClient::Slack => format!("*{label}*"),
            ChatClient::Teams => format!("**{label}**"),
        }
    }

    /// Italic around text already written by [`Markdown::text`].
    pub fn italic(self, written: &str) -> String {
        if written.is_empty() {
            return String::new();
        }
        format!("_{written}_")
    }

    /// A link Watchpost built (a console URL, its parts percent-encoded) with a fixed label.
    pub fn link(self, url: &str, label: &str) -> String {
        debug_assert!(is_plain_label(label), "{label:?}");
        debug_assert!(
            url.starts_with("https://")
                && !url.contains(|c: char| {
                    c.is_whitespace() || matches!(c, '<' | '>' | '|' | '(' | ')' | '[' | ']')
                }),
            "{url:?}"
        );
        match self.client {
            // `&` is a control character in Slack: the URL carries it as an entity.
            ChatClient::Slack => format!("<{}|{label}>", url.replace('&', "&amp;")),
            ChatClient::Teams => format!("[{label}]({url})"),
        }
    }
}

/// Fixed labels are letters, digits, spaces and sentence punctuation: nothing either client
/// reads as markup.
fn is_plain_label(label: &str) -> bool {
    label
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | ':' | '.' | ',' | '\'' | '/'))
}

/// Slack's markup characters at a word boundary, and its mentions and channel names, replaced
/// by look-alikes; in Teams only `@` (the rest is escaped instead).
fn look_alikes(client: ChatClient, text: &str) -> Cow<'_, str> {
    if client == ChatClient::Teams {
        // Teams notifies only through `<at>` tags (escaped); `@` is defused all the same, so
        // that a card reads the same in both clients.
        return if text.contains('@') {
            Cow::Owned(text.replace('@', "＠"))
        } else {
            Cow::Borrowed(text)
        };
    }
    // Most text has none of these characters: it is shown as it is. (The full-width ones are
    // three bytes starting 0xEF in UTF-8: a byte scan rules most text out first.)
    let maybe = |b: &u8| matches!(b, b'*' | b'_' | b'~' | b'`' | b'@' | b'#' | 0xEF);
    if !text.as_bytes().iter().any(maybe)
        || !text.contains([
            '*', '_', '~', '`', '@', '#', '\u{FF0A}', '\u{FF3F}', '\u{FF5E}', '\u{FF40}',
        ])
    {
        return Cow::Borrowed(text);
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let inside_word = alnum(previous) && alnum(next);
        out.push(match c {
            '*' | '_' | '~' if inside_word => c,
            '*' | '\u{FF0A}' => '\u{2217}',
            '_' | '\u{FF3F}' => '\u{02CD}',
            '~' | '\u{FF5E}' => '\u{223C}',
            '`' | '\u{FF40}' => '\u{02CB}',
            '@' => '＠',
            '#' if next.is_some_and(|c| !c.is_whitespace()) => '＃',
            c => c,
        });
        previous = Some(c);
    }
    Cow::Owned(out)
}

/// Whether `escaped` changes `c` for `client`.
fn needs_escape(client: ChatClient, c: char) -> bool {
    match client {
        ChatClient::Slack => matches!(c, '&' | '<' | '>'),
        ChatClient::Teams => matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '~'
                | '['
                | ']'
                | '('
                | ')'
                | '<'
                | '>'
                | '#'
                | '|'
                | '!'
                | '{'
                | '}'
                | '&'
        ),
    }
}

/// Text written for `client`: Slack's three control characters as entities, Teams' markup
/// characters backslash-escaped, everything else as it is.
fn escaped(client: ChatClient, text: String) -> String {
    // Most text has nothing to escape: it is kept as it is.
    // Every character either client escapes is ASCII: a byte scan is enough.
    if !text.bytes().any(|b| needs_escape(client, char::from(b))) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match (client, c) {
            (ChatClient::Slack, '&') => out.push_str("&amp;"),
            (ChatClient::Slack, '<') => out.push_str("&lt;"),
            (ChatClient::Slack, '>') => out.push_str("&gt;"),
            (ChatClient::Teams, c) if needs_escape(ChatClient::Teams, c) => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLACK: Markdown = Markdown {
        client: ChatClient::Slack,
    };
    const TEAMS: Markdown = Markdown {
        client: ChatClient::Teams,
    };

    #[test]
    fn slack_text_reads_as_the_original_without_markup_or_backslashes() {
        assert_eq!(
            SLACK.text("*bold* _it_ ~s~ `code` IMPOSSIBLE_TRAVEL a*b", 200),
            "∗bold∗ ˍitˍ ∼s∼ ˋcodeˋ IMPOSSIBLE_TRAVEL a*b"
        );
        assert_eq!(
            SLACK.text("<!channel> @here <@U1> & #general", 200),
            "&lt;!channel&gt; ＠here &lt;＠U1&gt; &amp; ＃general"
        );
        assert_eq!(
            SLACK.text("[click](https://evil.example/x)", 200),
            "[click](hxxps://evil[.]example/x)"
        );
        assert!(!SLACK.text("a\\*b", 200).contains("\\\\"));
    }

    #[test]
    fn teams_text_escapes_markdown_and_defangs() {
        assert_eq!(
            TEAMS.text(
                "[click](https://evil.example) **b** <at>x</at> {{DATE(1)}}",
                200
            ),
            "\\[click\\]\\(hxxps://evil\\[.\\]example\\) \\*\\*b\\*\\* \\<at\\>x\\</at\\> \\{\\{DATE\\(1\\)\\}\\}"
        );
    }

    #[test]
    fn bounds_count_the_written_characters_and_never_split_an_entity() {
        let written = SLACK.text(&"&".repeat(50), 12);
        assert_eq!(written, "&amp;…");
        assert!(TEAMS.text(&"*".repeat(50), 7).ends_with("\\*…"));
        assert_eq!(SLACK.code("", 10), "–");
        assert_eq!(SLACK.code("i-0abc_d", 20), "`i-0abc_d`");
        assert_eq!(TEAMS.code("i-0abc_d", 20), "i-0abc\\_d");
    }

    #[test]
    fn links_and_labels_are_written_in_each_clients_syntax() {
        let url = "https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=x";
        assert_eq!(
            SLACK.link(url, "GuardDuty"),
            "<https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&amp;fId=x|GuardDuty>"
        );
        assert_eq!(TEAMS.link(url, "GuardDuty"), format!("[GuardDuty]({url})"));
        assert_eq!(SLACK.bold("Account"), "*Account*");
        assert_eq!(TEAMS.bold("Account"), "**Account**");
    }
}

/// The straightforward form of [`Markdown::text`] (a copy per step, a character at a time),
/// which the faster one must match exactly, whatever the text.
#[cfg(test)]
mod straightforward {
    use proptest::prelude::*;

    use super::*;

    fn text(client: ChatClient, untrusted: &str, max_chars: usize) -> String {
        let mut source_chars = max_chars;
        loop {
            let clipped = clip(untrusted, source_chars);
            let shown = defang(&look_alikes(client, &clipped));
            let written = escaped(client, &shown);
            let length = written.chars().count();
            if length <= max_chars || source_chars == 0 {
                return written;
            }
            source_chars = (source_chars - 1).min(source_chars * max_chars / length);
        }
    }

    fn look_alikes(client: ChatClient, text: &str) -> String {
        if client == ChatClient::Teams {
            // Teams notifies only through `<at>` tags (escaped); `@` is defused all the same, so
            // that a card reads the same in both clients.
            return text.replace('@', "＠");
        }
        // Most text has none of these characters: it is shown as it is. (The full-width ones are
        // three bytes starting 0xEF in UTF-8: a byte scan rules most text out first.)
        let maybe = |b: &u8| matches!(b, b'*' | b'_' | b'~' | b'`' | b'@' | b'#' | 0xEF);
        if !text.as_bytes().iter().any(maybe)
            || !text.contains([
                '*', '_', '~', '`', '@', '#', '\u{FF0A}', '\u{FF3F}', '\u{FF5E}', '\u{FF40}',
            ])
        {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        let alnum = |i: Option<usize>| {
            i.and_then(|i| chars.get(i))
                .is_some_and(|c| c.is_ascii_alphanumeric())
        };
        (0..chars.len())
            .map(|i| {
                let inside_word = alnum(i.checked_sub(1)) && alnum(Some(i + 1));
                match chars[i] {
                    c @ ('*' | '_' | '~') if inside_word => c,
                    '*' | '\u{FF0A}' => '\u{2217}',
                    '_' | '\u{FF3F}' => '\u{02CD}',
                    '~' | '\u{FF5E}' => '\u{223C}',
                    '`' | '\u{FF40}' => '\u{02CB}',
                    '@' => '＠',
                    '#' if chars.get(i + 1).is_some_and(|c| !c.is_whitespace()) => '＃',
                    c => c,
                }
            })
            .collect()
    }
    fn escaped(client: ChatClient, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            match (client, c) {
                (ChatClient::Slack, '&') => out.push_str("&amp;"),
                (ChatClient::Slack, '<') => out.push_str("&lt;"),
                (ChatClient::Slack, '>') => out.push_str("&gt;"),
                (
                    ChatClient::Teams,
                    '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '(' | ')' | '<' | '>' | '#' | '|'
                    | '!' | '{' | '}' | '&',
                ) => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
        out
    }

    const PIECES: &[&str] = &[
        "a", "Z", "9", " ", ".", "https://", "evil", "com", "@", "#", "# ", "<", ">", "&", "*",
        "_", "~", "`", "[", "]", "(", ")", "{", "}", "|", "!", "\\", "\u{FF0A}", "\u{FF3F}",
        "\u{FF5E}", "\u{FF40}", "é", "测试", "\n", "\u{202e}",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn text_writes_what_the_straightforward_form_writes(
            pieces in prop::collection::vec(prop::sample::select(PIECES), 0..24),
            max_chars in 0usize..40,
        ) {
            let untrusted = pieces.concat();
            for client in [ChatClient::Slack, ChatClient::Teams] {
                prop_assert_eq!(
                    Markdown::new(client).text(&untrusted, max_chars),
                    text(client, &untrusted, max_chars)
                );
            }
        }
    }
}

//! Making attacker-influenced strings safe: every string in a finding may have been chosen by
//! whoever triggered it (a bucket name, a user agent, a tag value), so nothing from a finding is
//! shown before it has been through one of these.

/// Removes control characters (C0, C1, DEL, and the Unicode line/paragraph separators and
/// bidirectional overrides that can disguise text), collapsing whitespace runs into one space,
/// and bounds the result to `max_chars` characters, marking a cut with `…`.
pub fn clip(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut chars = 0;
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || is_invisible_control(c) {
            pending_space = !out.is_empty();
            continue;
        }
        let needed = usize::from(pending_space) + 1;
        if chars + needed > max_chars {
            // Leave room for the ellipsis.
            while chars + 1 > max_chars && out.pop().is_some() {
                chars -= 1;
            }
            out.push('…');
            return out;
        }
        if pending_space {
            out.push(' ');
            chars += 1;
            pending_space = false;
        }
        out.push(c);
        chars += 1;
    }
    out
}

/// Like [`clip`], and also replaces everything outside printable ASCII with `?`, for places
/// that only take ASCII (SNS subjects).
pub fn clip_ascii(text: &str, max_chars: usize) -> String {
    let ascii: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else if c.is_whitespace() || is_invisible_control(c) {
                ' '
            } else {
                '?'
            }
        })
        .collect();
    let clipped = clip(&ascii, max_chars);
    // `clip` marks a cut with a non-ASCII ellipsis; subjects get three dots instead.
    match clipped.strip_suffix('…') {
        Some(head) => {
            let mut head = head.to_owned();
            while head.chars().count() + 3 > max_chars && head.pop().is_some() {}
            head.push_str("...");
            head
        }
        None => clipped,
    }
}

/// Characters that must never reach a reader: controls, format characters that reorder or
/// hide text, and line separators.
pub fn is_invisible_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// Escapes text for chat markdown (Slack/Teams via AWS Chatbot's `client-markdown`): markup
/// characters are backslash-escaped and `@`-mentions and links defused, so a finding cannot
/// ping a channel or disguise a link.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '(' | ')' | '#' | '|' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            // A zero-width joiner is invisible, so break mentions with a visible but harmless
            // full-width at sign instead.
            '@' => out.push('＠'),
            _ => out.push(c),
        }
    }
    out
}

/// For chat fields shown as plain text (summaries, ids): no markdown escaping, which would show
/// as backslashes, but mentions and angle-bracket commands (`@here`, `<!channel>`) defused.
pub fn defuse_mentions(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '@' => '＠',
            '<' => '‹',
            '>' => '›',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_strips_controls_and_bounds_length() {
        assert_eq!(clip("a\nb\u{0}\tc", 10), "a b c");
        assert_eq!(clip("  leading", 10), "leading");
        assert_eq!(clip("abcdefghij", 5), "abcd…");
        assert_eq!(clip("abcde", 5), "abcde");
        assert_eq!(clip("\u{202E}evil\u{2028}", 10), "evil");
    }

    #[test]
    fn clip_ascii_replaces_non_ascii_and_marks_cuts_with_dots() {
        assert_eq!(clip_ascii("i-unicode测试123", 40), "i-unicode??123");
        assert_eq!(clip_ascii("abcdefghij", 6), "abc...");
    }

    #[test]
    fn plain_chat_fields_lose_mentions_but_keep_their_text() {
        assert_eq!(
            defuse_mentions("[x] @here <!channel>"),
            "[x] ＠here ‹!channel›"
        );
    }

    #[test]
    fn markdown_escaping_defuses_links_and_mentions() {
        assert_eq!(
            escape_markdown("[click](http://x) @here <!channel>"),
            "\\[click\\]\\(http://x\\) ＠here &lt;!channel\\>"
        );
    }
}

//! Making attacker-influenced strings safe: every string in a finding may have been chosen by
//! whoever triggered it (a bucket name, a user agent, a tag value), so nothing from a finding is
//! shown before it has been through one of these.

/// Removes control characters (C0, C1, DEL, and the Unicode line/paragraph separators and
/// bidirectional overrides that can disguise text), collapsing whitespace runs into one space,
/// and bounds the result to `max_chars` characters, marking a cut with `…`.
pub fn clip(text: &str, max_chars: usize) -> String {
    // Most strings are short printable ASCII already: one copy, no work per character.
    if text.len() <= max_chars && is_clean_ascii(text) {
        return text.to_owned();
    }
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

/// Whether `clip` leaves `text` as it is (at any bound at least as long): printable ASCII,
/// spaces only single and inside.
fn is_clean_ascii(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut space = true;
    for &b in bytes {
        match b {
            b' ' if space => return false,
            b' ' => space = true,
            0x21..=0x7e => space = false,
            _ => return false,
        }
    }
    !space || bytes.is_empty()
}

/// Like [`clip`], and also replaces everything outside printable ASCII with `?`, for places
/// that only take ASCII (SNS subjects).
pub fn clip_ascii(text: &str, max_chars: usize) -> String {
    if text.len() <= max_chars && is_clean_ascii(text) {
        return text.to_owned();
    }
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

/// Dots a linkifier reads as the separator of a domain name: the ASCII one and the ideographic and
/// full-width stops that IDNA maps to it.
const DOMAIN_DOTS: [char; 4] = ['.', '\u{3002}', '\u{FF0E}', '\u{FF61}'];

/// EC2 instance sizes (`g5.xlarge`): none is a top-level domain, so an instance type is left
/// readable. Sizes with a digit (`24xlarge`) never look like a domain in the first place.
const INSTANCE_SIZES: [&str; 7] = [
    "nano", "micro", "small", "medium", "large", "xlarge", "metal",
];

/// Defangs the URLs and domain names in `text` so that no chat client, mail client or pager
/// turns them into links: `https://evil.example/x` becomes `hxxps://evil[.]example/x`.
///
/// - A scheme before `://` is broken: `http`/`https` become `hxxp`/`hxxps`, `ftp` becomes
///   `fxp`, any other (or none a reader could tell: `3://`, ` ://`) becomes `scheme[:]//`.
/// - Every dot of a domain-shaped name (labels of letters, digits and `-`, the last one two or
///   more letters, or an `xn--` punycode label) becomes `[.]`. Which endings are top-level
///   domains is not guessed: new ones keep appearing (`.direct`, `.zip` are real), so
///   `Impact:IAMUser/PromptInjection.Direct` is defanged as well. Numbers (`1.2.3`, `198.51.100.7`,
///   `p4d.24xlarge`) and model ids (`anthropic.claude-v2`) do not end in a letters-only label
///   and stay as they are; instance types (`g5.xlarge`) stay readable too.
///
/// Everything else is left as it was: the reader still sees the original, and JSON alerts keep
/// the raw values.
pub fn defang(text: &str) -> String {
    // Most strings have no scheme: no copy made for nothing.
    if text.contains("://") {
        defang_domains(&defang_schemes(text))
    } else {
        defang_domains(text)
    }
}

/// [`defang`] of [`clip`] of `text` (or of `text` itself when `max_chars` is `None`), as a
/// value to format: text that neither changes (short printable ASCII with no URL or domain
/// in it, most of a finding's strings) is written as it is, without a copy.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a>(pub &'a str, pub Option<usize>);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Shown(text, max_chars) = *self;
        let unchanged = max_chars.is_none_or(|max| text.len() <= max && is_clean_ascii(text))
            && !text.contains("://")
            && !may_hold_domain(text);
        match (unchanged, max_chars) {
            (true, _) => f.write_str(text),
            (false, Some(max)) => f.write_str(&defang(&clip(text, max))),
            (false, None) => f.write_str(&defang(text)),
        }
    }
}

/// `cut` (e.g. [`clip`]) then [`defang`], within `max_chars`: defanging comes after the cut,
/// because a cut can make a domain of a name (`anthropic.claude-v2` cut after `claude`), and the
/// text is cut shorter until its defanged form fits.
pub fn clip_then_defang(text: &str, max_chars: usize, cut: fn(&str, usize) -> String) -> String {
    let mut source_chars = max_chars;
    loop {
        let defanged = defang(&cut(text, source_chars));
        // No more bytes than the bound: no more characters either.
        let length = if defanged.len() <= max_chars {
            defanged.len()
        } else {
            defanged.chars().count()
        };
        if length <= max_chars || source_chars == 0 {
            return defanged;
        }
        source_chars = (source_chars - 1).min(source_chars * max_chars / length);
    }
}

fn defang_schemes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let head = &rest[..at];
        // The scheme: the letters, digits, `+`, `-`, `.` just before `://`, starting with a letter.
        let start = head
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .last()
            .map_or(at, |(i, _)| i);
        let start = head[start..]
            .char_indices()
            .find(|(_, c)| c.is_ascii_alphabetic())
            .map_or(at, |(i, _)| start + i);
        let scheme = &head[start..];
        out.push_str(&head[..start]);
        match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" | "ftp" => {
                // Keep the case of the original letters: `HTTPS` becomes `HXXPS`.
                for (i, c) in scheme.char_indices() {
                    let swap =
                        (scheme.len() == 3 && i == 1) || (scheme.len() > 3 && (i == 1 || i == 2));
                    out.push(match (swap, c.is_ascii_uppercase()) {
                        (true, true) => 'X',
                        (true, false) => 'x',
                        (false, _) => c,
                    });
                }
                out.push_str("://");
            }
            // Already defanged (a subject stored before, quoted in a follow-up): as it is.
            "hxxp" | "hxxps" | "fxp" => {
                out.push_str(scheme);
                out.push_str("://");
            }
            _ => {
                out.push_str(scheme);
                out.push_str("[:]//");
            }
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

fn is_label_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-'
}

/// The character starting at byte `at` of `text`, if any.
fn char_at(text: &str, at: usize) -> Option<char> {
    match text.as_bytes().get(at) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => text[at..].chars().next(),
        None => None,
    }
}

/// The end (in bytes) of the label starting at `start`.
fn label_end(text: &str, start: usize) -> usize {
    let mut end = start;
    while let Some(c) = char_at(text, end)
        && is_label_char(c)
    {
        end += c.len_utf8();
    }
    end
}

/// Whether `text` may hold a domain name `defang` changes. In ASCII text, a domain ends in an
/// ASCII dot followed by a label of at least two letters (or `xn--`): without a dot followed by
/// two letters there is none. Text with other characters is always looked at closer.
fn may_hold_domain(text: &str) -> bool {
    if !text.is_ascii() {
        return text.contains(DOMAIN_DOTS);
    }
    let bytes = text.as_bytes();
    bytes
        .windows(3)
        .any(|w| w[0] == b'.' && w[1].is_ascii_alphabetic() && w[2].is_ascii_alphabetic())
}

fn defang_domains(text: &str) -> String {
    // Without a dot there is no domain: most strings are returned as they are. (The other dots
    // are three bytes starting 0xE3 or 0xEF in UTF-8.)
    if !may_hold_domain(text) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    // Byte ranges of the labels of one run; text before `copied` is in `out` already.
    let mut labels: Vec<(usize, usize)> = Vec::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(c) = char_at(text, i) {
        if !is_label_char(c) {
            i += c.len_utf8();
            continue;
        }
        // A run of labels separated by single dots: `a.b.c`.
        labels.clear();
        let mut start = i;
        loop {
            let end = label_end(text, start);
            labels.push((start, end));
            let next = char_at(text, end)
                .filter(|d| DOMAIN_DOTS.contains(d))
                .map(|d| end + d.len_utf8())
                .filter(|&after| char_at(text, after).is_some_and(is_label_char));
            match next {
                Some(after) => start = after,
                None => break,
            }
        }
        let end = labels.last().expect("one label").1;
        // A single label is no domain: only runs of several are looked at closer.
        if labels.len() > 1 {
            let (a, b) = labels[0];
            let (c, d) = labels[labels.len() - 1];
            let (first, last) = (&text[a..b], &text[c..d]);
            let (domain_like, size) = if last.is_ascii() {
                let size = INSTANCE_SIZES.iter().any(|s| s.eq_ignore_ascii_case(last));
                let domain_like = (last.len() >= 2
                    && last.bytes().all(|b| b.is_ascii_alphabetic()))
                    || (last.len() >= 4 && last[..4].eq_ignore_ascii_case("xn--"));
                (domain_like, size)
            } else {
                let last = last.to_lowercase();
                let domain_like = (last.chars().count() >= 2
                    && last.chars().all(char::is_alphabetic))
                    || last.starts_with("xn--");
                (domain_like, INSTANCE_SIZES.contains(&last.as_str()))
            };
            let instance_type = labels.len() == 2
                && size
                && first.as_bytes()[0].is_ascii_lowercase()
                && first.bytes().any(|b| b.is_ascii_digit());
            if domain_like && !instance_type {
                out.push_str(&text[copied..a]);
                for (n, &(a, b)) in labels.iter().enumerate() {
                    if n > 0 {
                        out.push_str("[.]");
                    }
                    out.push_str(&text[a..b]);
                }
                copied = end;
            }
        }
        i = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// For chat fields shown as plain text (ids, resource names in metadata): bounded to
/// `max_chars`, mentions and angle-bracket commands (`@here`, `<!channel>`) defused and links
/// defanged, with no markup escaping, which would show as backslashes.
pub fn defuse_mentions(text: &str, max_chars: usize) -> String {
    let shown = clip_then_defang(text, max_chars, clip);
    if !shown.contains(['@', '<', '>']) {
        return shown;
    }
    shown
        .chars()
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
    fn urls_lose_their_scheme_and_domains_their_dots() {
        assert_eq!(
            defang("see https://evil.example/login?x=1 now"),
            "see hxxps://evil[.]example/login?x=1 now"
        );
        assert_eq!(defang("HTTP://A.B.example"), "HXXP://A[.]B[.]example");
        assert_eq!(defang("ftp://files.example"), "fxp://files[.]example");
        assert_eq!(defang("javascript://x"), "javascript[:]//x");
        assert_eq!(defang("slack://open"), "slack[:]//open");
        // No scheme the reader could tell (a digit first, letters outside ASCII): a linkifier
        // may still take what comes before, so the separator is broken all the same.
        assert_eq!(defang("w\u{FFCF}3://0h"), "w\u{FFCF}3[:]//0h");
        assert_eq!(defang("see ://x"), "see [:]//x");
        assert_eq!(
            defang("mail alice@corp.example"),
            "mail alice@corp[.]example"
        );
        assert_eq!(defang("www.evil.co.uk."), "www[.]evil[.]co[.]uk.");
        assert_eq!(defang("evil\u{3002}example"), "evil[.]example");
        assert_eq!(
            defang("bucket-x.s3.amazonaws.com"),
            "bucket-x[.]s3[.]amazonaws[.]com"
        );
        assert_eq!(defang("evil.xn--p1ai"), "evil[.]xn--p1ai");
        assert_eq!(
            defang("AnomalousBehavior.SuccessfulLogin"),
            "AnomalousBehavior[.]SuccessfulLogin"
        );
    }

    #[test]
    fn numbers_model_ids_and_instance_types_stay_readable() {
        for kept in [
            "198.51.100.7",
            "v1.2.3",
            "p4d.24xlarge",
            "g5.xlarge",
            "g4dn.metal",
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "Backdoor:EC2/C&CActivity.B!DNS",
            "x.y-z",
            "end. Next",
            "hxxps://already[.]defanged",
        ] {
            assert_eq!(defang(kept), kept);
        }
    }

    #[test]
    fn plain_chat_fields_lose_mentions_and_links() {
        assert_eq!(
            defuse_mentions("@here <!channel> https://evil.example", 100),
            "＠here ‹!channel› hxxps://evil[.]example"
        );
    }
}

/// The straightforward forms of the functions above (a character at a time, a copy per step),
/// which the faster ones must match exactly, whatever the text.
#[cfg(test)]
mod straightforward {
    use proptest::prelude::*;

    fn clip(text: &str, max_chars: usize) -> String {
        let mut out = String::with_capacity(text.len().min(max_chars * 4));
        let mut chars = 0;
        let mut pending_space = false;
        for c in text.chars() {
            if c.is_whitespace() || super::is_invisible_control(c) {
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
    fn clip_ascii(text: &str, max_chars: usize) -> String {
        let ascii: String = text
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else if c.is_whitespace() || super::is_invisible_control(c) {
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
    fn defuse_mentions(text: &str, max_chars: usize) -> String {
        clip_then_defang_with(text, max_chars, clip)
            .chars()
            .map(|c| match c {
                '@' => '＠',
                '<' => '‹',
                '>' => '›',
                _ => c,
            })
            .collect()
    }

    fn defang_domains(text: &str) -> String {
        // Without a dot there is no domain: most strings are returned as they are.
        if !text.contains(super::DOMAIN_DOTS) {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len() + 8);
        let mut labels: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if !super::is_label_char(chars[i]) {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            // A run of labels separated by single dots: `a.b.c`.
            let start = i;
            labels.clear();
            labels.push((i, i));
            loop {
                let mut end = labels.last().expect("one label").0;
                while end < chars.len() && super::is_label_char(chars[end]) {
                    end += 1;
                }
                labels.last_mut().expect("one label").1 = end;
                if end + 1 < chars.len()
                    && super::DOMAIN_DOTS.contains(&chars[end])
                    && super::is_label_char(chars[end + 1])
                {
                    labels.push((end + 1, end + 1));
                } else {
                    break;
                }
            }
            let end = labels.last().expect("one label").1;
            // A single label is no domain: only runs of several are looked at closer.
            let (domain_like, instance_type) = match (labels.first(), labels.last()) {
                (Some(&(a, b)), Some(&(c, d))) if labels.len() > 1 => {
                    let first = &chars[a..b];
                    let last = chars[c..d].iter().collect::<String>().to_lowercase();
                    let domain_like = (last.chars().count() >= 2
                        && last.chars().all(char::is_alphabetic))
                        || last.starts_with("xn--");
                    let instance_type = labels.len() == 2
                        && super::INSTANCE_SIZES.contains(&last.as_str())
                        && first.first().is_some_and(|c| c.is_ascii_lowercase())
                        && first.iter().any(|c| c.is_ascii_digit());
                    (domain_like, instance_type)
                }
                _ => (false, false),
            };
            for (n, &(a, b)) in labels.iter().enumerate() {
                if n > 0 {
                    if domain_like && !instance_type {
                        out.push_str("[.]");
                    } else {
                        out.push(chars[a - 1]);
                    }
                }
                out.extend(&chars[a..b]);
            }
            debug_assert_eq!(labels[0].0, start);
            i = end;
        }
        out
    }

    fn defang(text: &str) -> String {
        if text.contains("://") {
            defang_domains(&super::defang_schemes(text))
        } else {
            defang_domains(text)
        }
    }

    fn clip_then_defang_with(
        text: &str,
        max_chars: usize,
        cut: fn(&str, usize) -> String,
    ) -> String {
        let mut source_chars = max_chars;
        loop {
            let defanged = defang(&cut(text, source_chars));
            let length = defanged.chars().count();
            if length <= max_chars || source_chars == 0 {
                return defanged;
            }
            source_chars = (source_chars - 1).min(source_chars * max_chars / length);
        }
    }

    /// Pieces that take the slow paths: dots of every kind, schemes, controls, spaces,
    /// instance types, punycode, letters whose lowercase differs in length.
    const PIECES: &[&str] = &[
        "a", "Z", "9", "-", ".", " ", "  ", "\t", "\n", "\u{0}", "\u{7f}", "\u{85}", "\u{202e}",
        "\u{200b}", "\u{3002}", "\u{FF0E}", "\u{FF61}", "https://", "HTTP://", "ftp://", "x://",
        "://", "evil", "example", "com", "g5", "xlarge", "p4d", "24xlarge", "XN--", "xn--p1ai",
        "\u{130}", "\u{212A}", "é", "测试", "🔒", "@", "<", ">", "&", "*", "_", "~", "`", "#",
        "\u{FF0A}", "\u{FF3F}", "…",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..24).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn the_fast_paths_write_what_the_straightforward_forms_write(
            text in text(),
            max_chars in 0usize..40,
        ) {
            prop_assert_eq!(super::clip(&text, max_chars), clip(&text, max_chars));
            prop_assert_eq!(super::clip_ascii(&text, max_chars), clip_ascii(&text, max_chars));
            prop_assert_eq!(super::defang(&text), defang(&text));
            prop_assert_eq!(
                super::Shown(&text, Some(max_chars)).to_string(),
                defang(&clip(&text, max_chars))
            );
            prop_assert_eq!(super::Shown(&text, None).to_string(), defang(&text));
            prop_assert_eq!(
                super::defuse_mentions(&text, max_chars),
                defuse_mentions(&text, max_chars)
            );
        }
    }
}

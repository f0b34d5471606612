//! Repairs text that was UTF-8, read as Windows-1252 and written out as UTF-8 again
//! ("doesnâ€™t" for "doesn’t"): pages stored twice-encoded by their CMS show it to every
//! reader. Only sequences that decode as UTF-8 are touched, and no real word is one of
//! them; decoding the page itself is `crate::fetch`'s job.

/// The Windows-1252 byte a character stands for, if it stands for one.
fn cp1252_byte(c: char) -> Option<u8> {
    let b = match c {
        '\u{0}'..='\u{7f}' | '\u{80}'..='\u{ff}' => return u8::try_from(u32::from(c)).ok(),
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(b)
}

/// The character a UTF-8 sequence read as Windows-1252 started at `chars[0]`, and how many
/// characters it spans.
fn decode_at(chars: &[char]) -> Option<(char, usize)> {
    let lead = cp1252_byte(*chars.first()?)?;
    let len = match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let mut bytes = [lead, 0, 0, 0];
    for (i, slot) in bytes.iter_mut().enumerate().take(len).skip(1) {
        let b = cp1252_byte(*chars.get(i)?)?;
        if !(0x80..=0xBF).contains(&b) {
            return None;
        }
        *slot = b;
    }
    let c = std::str::from_utf8(&bytes[..len]).ok()?.chars().next()?;
    Some((c, len))
}

/// `text` with twice-encoded characters restored; unchanged (and not copied) when it has
/// none.
pub fn repair(text: String) -> String {
    // Every twice-encoded character starts with one of Â..ô.
    if !text.chars().any(|c| ('\u{c2}'..='\u{f4}').contains(&c)) {
        return text;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut repaired = false;
    let mut i = 0;
    while i < chars.len() {
        match decode_at(&chars[i..]) {
            Some((c, len)) => {
                out.push(c);
                repaired = true;
                i += len;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    if !repaired {
        return text;
    }
    // A twice-encoded no-break space ("Â\u{a0}") loses its space when whitespace is
    // collapsed: a stray "Â" before a space or the end goes too, once the text has shown
    // the damage.
    let mut cleaned = String::with_capacity(out.len());
    let mut it = out.chars().peekable();
    while let Some(c) = it.next() {
        let stray = c == 'Â'
            && it.peek().is_none_or(|n| n.is_whitespace())
            && cleaned.chars().last().is_some_and(|p| !p.is_whitespace());
        if !stray {
            cleaned.push(c);
        }
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_twice_encoded_text_only() {
        let r = |s: &str| repair(s.to_string());
        assert_eq!(
            r("pet insurance doesnâ€™t have to"),
            "pet insurance doesn’t have to"
        );
        assert_eq!(
            r("the breakdownâ\u{80}\u{94}national averages"),
            "the breakdown—national averages"
        );
        assert_eq!(r("Earthâ€™s systems in 2024.Â"), "Earth’s systems in 2024.");
        assert_eq!(r("CafÃ© au lait"), "Café au lait");
        // Real accented text stays as it is.
        for s in [
            "Café, naïve, Ångström, São Paulo, ÂNGULO",
            "Â alone",
            "Düsseldorf — “quoted”",
        ] {
            assert_eq!(r(s), s);
        }
    }
}

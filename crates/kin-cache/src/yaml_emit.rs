//! String scalars in the style ruamel (DVC's emitter) picks, for YAML kin writes by hand.
//! Delegates to `kin_pipeline::yaml::emit`, the one implementation of ruamel's rules.

/// A string scalar as ruamel writes it in block context when the line is not folded: plain
/// when that reads back as the same string, else single-quoted, else double-quoted.
pub fn scalar(text: &str) -> String {
    kin_pipeline::yaml::emit::unfolded_scalar(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_ruamel() {
        // Recorded from DVC 3.67.1's YAML dumper (ruamel 0.19).
        let cases = [
            ("data", "data"),
            ("-x", "-x"),
            ("a: b", "'a: b'"),
            ("a #b", "'a #b'"),
            ("#x", "'#x'"),
            ("yes", "yes"),
            ("true", "'true'"),
            ("1.5", "'1.5'"),
            ("ünï/x", "ünï/x"),
            ("a b", "a b"),
            ("x:y", "x:y"),
            ("@a", "'@a'"),
            ("[a]", "'[a]'"),
            ("it's", "it's"),
            ("", "''"),
            ("~", "'~'"),
            ("null", "'null'"),
            ("012", "'012'"),
            ("1e3", "'1e3'"),
            ("a\"b", "a\"b"),
            ("tab\there", "\"tab\\there\""),
            ("%x", "'%x'"),
            ("?x", "?x"),
            ("|x", "'|x'"),
            (" x", "' x'"),
            ("x ", "'x '"),
            ("{a}", "'{a}'"),
            ("a,b", "a,b"),
            ("a]", "a]"),
            ("0x1", "'0x1'"),
            (".inf", "'.inf'"),
            ("a\nb", "\"a\\nb\""),
        ];
        for (input, expected) in cases {
            assert_eq!(scalar(input), expected, "for {input:?}");
        }
    }
}

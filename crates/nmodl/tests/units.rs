//! Unit factors of UNITS blocks against the values NEURON 9.0.2's translator
//! wrote for them (read from the generated C, printed there with `%a`).

use nmodl::units::{UnitError, UnitTable};
use proptest::prelude::*;

fn factor(from: &str, to: &str) -> f64 {
    UnitTable::standard().factor(from, to).unwrap_or_else(|e| panic!("({from}) ({to}): {e}"))
}

#[test]
fn factors_are_neurons_to_the_bit() {
    let cases: &[(&str, &str, f64)] = &[
        ("faraday", "coulomb", 96485.33212331001),
        ("faraday", "kilocoulombs", 96.48533212331002),
        ("k-mole", "joule/degC", 8.31446261815324),
        // (mV) as the file defines it below.
        ("mole k", "mV-coulomb/degC", 8314.462618153239),
        ("pi", "1", 3.141592653589793),
        ("e", "coulomb", 1.602176634e-19),
        ("k", "joule/degC", 1.380649e-23),
        ("foot", "inch", 12.0),
        ("10000 coulomb", "faraday", 0.10364269656262175),
        ("1/ms", "/s", 1000.0),
        ("micron", "cm", 9.999999999999999e-05),
    ];
    let mut t = UnitTable::standard();
    t.define("mV", "millivolt").unwrap();
    for &(from, to, want) in cases {
        let got = t.factor(from, to).unwrap();
        assert_eq!(got.to_bits(), want.to_bits(), "({from}) ({to}): {got:e} != {want:e}");
    }
    t.define("mM", "milli/liter").unwrap();
    assert_eq!(t.factor("mM micron", "mole/cm2").unwrap().to_bits(), 1.6605390671738463e-34f64.to_bits());
}

#[test]
fn reading_rules() {
    let t = UnitTable::standard();
    let u = |s: &str| t.parse(s).unwrap();
    // A digit after a name is a power; everything after '/' is below the line.
    assert_eq!(u("cm2").dim, u("cm-cm").dim);
    assert_eq!(u("/ms").factor, 1000.0);
    assert_eq!(u("milliamp/cm2-ms").dim, u("coul/sec-m2-sec").dim);
    // Plurals and spelled-out prefixes.
    assert_eq!(u("coulombs"), u("coulomb"));
    assert_eq!(u("millivolt").factor, 1e-3);
    assert_eq!(u("kilocoulombs").factor, 1e3);
    // A leading number: `+`/`-` mark an exponent, `|` divides.
    assert_eq!(u("1|4 m").factor, 0.25);
    assert_eq!(u("1.5+2 sec").factor, 150.0);
    assert_eq!(u("").factor, 1.0);
    assert_eq!(u("1").factor, 1.0);
}

#[test]
fn unknown_and_redefined_units_are_errors() {
    let mut t = UnitTable::standard();
    assert_eq!(t.parse("mV"), Err(UnitError::Unknown("mV".into())));
    assert_eq!(t.parse("um").unwrap_err().to_string(), "cannot recognize the units: um (it needs a declaration in the UNITS block, such as (um) = (…))");
    assert_eq!(t.define("ms", "millisec").unwrap_err().to_string(), "units redefinition: (ms) is already 0.001 sec");
    assert!(t.define("um", "micron").is_ok());
    assert_eq!(t.parse("um").unwrap().factor, t.parse("micron").unwrap().factor);
}

proptest! {
    /// The factor from a unit to itself is 1, and from a to b is the
    /// reciprocal of b to a up to rounding.
    #[test]
    fn factors_invert(a in 0usize..12, b in 0usize..12, k in 1u32..9) {
        const NAMES: [&str; 12] = ["m", "cm", "micron", "ms", "sec", "coulomb", "faraday", "joule/degC", "k-mole", "liter", "mho/cm2", "amp"];
        let t = UnitTable::standard();
        let (ua, ub) = (format!("{}{k}", NAMES[a]), NAMES[b].to_string());
        prop_assert_eq!(t.factor(&ua, &ua).unwrap(), 1.0);
        let ab = t.factor(&ua, &ub).unwrap();
        let ba = t.factor(&ub, &ua).unwrap();
        prop_assert!((ab * ba - 1.0).abs() < 1e-12, "{} {}", ab, ba);
    }
}

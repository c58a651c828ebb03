//! Units as NEURON's translator reads them: a unit string such as
//! `(mV-coulomb/degC)` or `(1|3 pi-in2)` reduced to a magnitude and powers of
//! the base dimensions, using the table of units NEURON's translator loads
//! (its `nrnunits.lib`, from the GNU units distribution, with the 2017 NIST
//! constants). The UNITS block's `(alias) = (definition)` entries extend the
//! table for one file; `NAME = (from) (to)` is the ratio of two magnitudes.
//!
//! The reading rules are the translator's, quirks included: a leading number
//! (`+`/`-` mark its exponent, `|` divides), names separated by `-`, blanks
//! and digits, a digit 2–9 after a name raising it to that power, everything
//! after the first `/` in the denominator, the prefixes atto… tera spelled
//! out, and a trailing plural `s` dropped. Magnitudes are accumulated in the
//! same order as there, so the factors agree bit for bit.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// Number of base dimensions (length, mass, time, charge, luminous
/// intensity, an unused currency slot, unused, information, traffic, temperature).
pub const NDIM: usize = 10;

/// A magnitude and the powers of the base dimensions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unit {
    pub factor: f64,
    pub dim: [i32; NDIM],
}

impl Unit {
    const ONE: Unit = Unit { factor: 1.0, dim: [0; NDIM] };
}

/// Names of the base dimensions, for messages.
const BASE_NAMES: [&str; NDIM] = ["m", "kg", "sec", "coul", "candela", "*f*", "*g*", "bit", "erlang", "K"];

impl fmt::Display for Unit {
    /// As the translator prints a unit: `0.001 m2-kg/sec3-coul`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", cfmt::fmt_g(self.factor, 6, false, false))?;
        let part = |sign: i32| {
            let mut s = String::new();
            for (k, &p) in self.dim.iter().enumerate() {
                let p = p * sign;
                if p > 0 {
                    if !s.is_empty() {
                        s.push('-');
                    }
                    s.push_str(BASE_NAMES[k]);
                    if p > 1 {
                        s.push_str(&p.to_string());
                    }
                }
            }
            s
        };
        let (num, den) = (part(1), part(-1));
        write!(f, " {num}")?;
        if !den.is_empty() {
            write!(f, "/{den}")?;
        }
        Ok(())
    }
}

/// Why a unit string could not be read or defined.
#[derive(Clone, Debug, PartialEq)]
pub enum UnitError {
    /// A name that is neither in the table nor a prefixed or plural form of one.
    Unknown(String),
    /// `(name) = (…)` for a name the table already has.
    Redefined { name: String, is: Unit },
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitError::Unknown(n) => write!(f, "cannot recognize the units: {n} (it needs a declaration in the UNITS block, such as ({n}) = (…))"),
            UnitError::Redefined { name, is } => write!(f, "units redefinition: ({name}) is already {is}"),
        }
    }
}

/// Prefixes the translator recognises, in the order it tries them.
const PREFIXES: &[(&str, f64)] = &[
    ("atto", 1e-18),
    ("femto", 1e-15),
    ("pico", 1e-12),
    ("nano", 1e-9),
    ("micro", 1e-6),
    ("milli", 1e-3),
    ("centi", 1e-2),
    ("deci", 1e-1),
    ("deka", 1e1),
    ("hecta", 1e2),
    ("hecto", 1e2),
    ("kilo", 1e3),
    ("mega", 1e6),
    ("meg", 1e6),
    ("giga", 1e9),
    ("tera", 1e12),
];

/// A table of named units.
#[derive(Clone, Debug)]
pub struct UnitTable {
    units: HashMap<String, Unit>,
}

impl UnitTable {
    /// The standard table (built once), to be extended by a file's UNITS block.
    pub fn standard() -> UnitTable {
        static STANDARD: OnceLock<UnitTable> = OnceLock::new();
        STANDARD.get_or_init(build_standard).clone()
    }

    /// The magnitude and dimensions of a unit string (without its parentheses).
    pub fn parse(&self, text: &str) -> Result<Unit, UnitError> {
        Reader { s: text.as_bytes(), pos: 0, peek: None }.unit(self)
    }

    /// `(name) = (definition)`: a new name for a unit.
    pub fn define(&mut self, name: &str, definition: &str) -> Result<(), UnitError> {
        let u = self.parse(definition)?;
        if let Some(&is) = self.units.get(name) {
            return Err(UnitError::Redefined { name: name.to_string(), is });
        }
        self.units.insert(name.to_string(), u);
        Ok(())
    }

    /// The value of `NAME = (from) (to)`: from's magnitude over to's. The
    /// translator does not ask the two to have the same dimensions.
    pub fn factor(&self, from: &str, to: &str) -> Result<f64, UnitError> {
        let a = self.parse(from)?;
        let b = self.parse(to)?;
        Ok(a.factor / b.factor)
    }

    /// Applies the named unit to `u` (divides if `den`), `times` times,
    /// trying prefixes and a plural `s` when the name is not in the table.
    fn apply(&self, mut name: &str, u: &mut Unit, den: bool, times: u32) -> Result<(), UnitError> {
        let mut e = 1.0;
        loop {
            if let Some(q) = self.units.get(name) {
                for _ in 0..times {
                    if den {
                        u.factor /= q.factor * e;
                        u.dim.iter_mut().zip(&q.dim).for_each(|(a, b)| *a -= b);
                    } else {
                        u.factor *= q.factor * e;
                        u.dim.iter_mut().zip(&q.dim).for_each(|(a, b)| *a += b);
                    }
                }
                return Ok(());
            }
            if let Some(&(p, f)) = PREFIXES.iter().find(|(p, _)| name.starts_with(p)) {
                e *= f;
                name = &name[p.len()..];
                continue;
            }
            if name.len() > 1 && name.ends_with('s') {
                name = &name[..name.len() - 1];
                continue;
            }
            return Err(UnitError::Unknown(name.to_string()));
        }
    }
}

/// A unit string read character by character, as the translator reads it
/// (the end of the text reads as a newline).
struct Reader<'a> {
    s: &'a [u8],
    pos: usize,
    peek: Option<u8>,
}

impl Reader<'_> {
    fn get(&mut self) -> u8 {
        if let Some(c) = self.peek.take() {
            return c;
        }
        match self.s.get(self.pos) {
            Some(&c) => {
                self.pos += 1;
                if c == b'\r' {
                    return self.get();
                }
                c
            }
            None => b'\n',
        }
    }

    /// The leading number: digits and points, `+` or `-` starting its
    /// exponent, `|` dividing by the number after it (0 when there is none).
    fn number(&mut self) -> f64 {
        let mut c = self.get();
        while c == b' ' || c == b'\t' {
            c = self.get();
        }
        let mut text = String::new();
        while c.is_ascii_digit() || c == b'.' {
            text.push(c as char);
            c = self.get();
        }
        if c == b'+' || c == b'-' {
            text.push('e');
            text.push(c as char);
            c = self.get();
            while c.is_ascii_digit() {
                text.push(c as char);
                c = self.get();
            }
        }
        let x = atof(&text);
        if c == b'|' {
            return x / self.number();
        }
        self.peek = Some(c);
        x
    }

    fn unit(&mut self, table: &UnitTable) -> Result<Unit, UnitError> {
        let mut u = Unit::ONE;
        let f = self.number();
        u.factor = if f == 0.0 { 1.0 } else { f };
        let mut den = false;
        let mut name = String::new();
        loop {
            let c = self.get();
            match c {
                b'1'..=b'9' | b'-' | b'/' | b' ' | b'\t' | b'\n' => {
                    if !name.is_empty() {
                        let times = if (b'2'..=b'9').contains(&c) { (c - b'0') as u32 } else { 1 };
                        table.apply(&name, &mut u, den, times)?;
                        name.clear();
                    }
                    if c == b'/' {
                        den = true;
                    }
                    if c == b'\n' {
                        return Ok(u);
                    }
                }
                c => name.push(c as char),
            }
        }
    }
}

/// C's atof on the text a unit's number is made of: the longest prefix that
/// is a number (0 if none).
fn atof(s: &str) -> f64 {
    let b = s.as_bytes();
    let mut i = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let int_digits = i;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        frac_digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += 1 + frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return 0.0;
    }
    let mut end = i;
    if b.get(i) == Some(&b'e') {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let d = b[j.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
        if d > 0 {
            end = j + d;
        }
    }
    s[..end].parse().unwrap_or(0.0)
}

fn build_standard() -> UnitTable {
    let mut t = UnitTable { units: HashMap::new() };
    t.units.insert(String::new(), Unit::ONE);
    for k in 0..NDIM {
        let mut u = Unit::ONE;
        u.dim[k] = 1;
        t.units.insert(format!("*{}*", (b'a' + k as u8) as char), u);
    }
    for &(name, def) in DEFINITIONS {
        // A name defined twice keeps its first definition, as in the translator.
        if t.units.contains_key(name) {
            continue;
        }
        if let Ok(u) = t.parse(def) {
            t.units.insert(name.to_string(), u);
        }
    }
    t
}

/// The standard units, each defined by a unit string over those before it
/// (the base dimensions are `*a*` … `*j*`). Entries are in the translator's
/// table order, since a later definition of a name is ignored.
#[rustfmt::skip]
const DEFINITIONS: &[(&str, &str)] = &[
    ("m", "*a*"),
    ("kg", "*b*"),
    ("sec", "*c*"),
    ("coul", "*d*"),
    ("candela", "*e*"),
    ("bit", "*h*"),
    ("erlang", "*i*"),
    ("K", "*j*"),
    ("fuzz", "1"),
    ("two", "2"),
    ("pi", "3.14159265358979323846"),
    ("c", "2.99792458+8 m/sec fuzz"),
    ("g", "9.80665 m/sec2"),
    ("au", "1.49597871+11 m fuzz"),
    ("mole", "6.02214076+23 fuzz"),
    ("e", "1.602176634-19 coul fuzz"),
    ("energy", "c2"),
    ("force", "g"),
    ("mercury", "1.33322+5 kg/m2-sec2"),
    ("hg", "mercury"),
    ("radian", ".5 / pi"),
    ("degree", "1|180 pi-radian"),
    ("circle", "2 pi-radian"),
    ("turn", "2 pi-radian"),
    ("revolution", "turn"),
    ("rev", "turn"),
    ("grade", ".9 degree"),
    ("arcdeg", "1 degree"),
    ("arcmin", "1|60 arcdeg"),
    ("ccs", "1|36 erlang"),
    ("arcsec", "1|60 arcmin"),
    ("steradian", "radian2"),
    ("sphere", "4 pi-steradian"),
    ("sr", "steradian"),
    ("second", "sec"),
    ("s", "sec"),
    ("minute", "60 sec"),
    ("min", "minute"),
    ("hour", "60 min"),
    ("hr", "hour"),
    ("day", "24 hr"),
    ("da", "day"),
    ("week", "7 day"),
    ("year", "365.24219879 day fuzz"),
    ("yr", "year"),
    ("month", "1|12 year"),
    ("ms", "millisec"),
    ("us", "microsec"),
    ("gram", "millikg"),
    ("gm", "gram"),
    ("mg", "milligram"),
    ("metricton", "kilokg"),
    ("lb", ".45359237 kg"),
    ("pound", "lb"),
    ("lbf", "lb g"),
    ("ounce", "1|16 lb"),
    ("oz", "ounce"),
    ("dram", "1|16 oz"),
    ("dr", "dram"),
    ("grain", "1|7000 lb"),
    ("gr", "grain"),
    ("shortton", "2000 lb"),
    ("ton", "shortton"),
    ("longton", "2240 lb"),
    ("scruple", "20 grain"),
    ("apdram", "60 grain"),
    ("apounce", "480 grain"),
    ("appound", "5760 grain"),
    ("troypound", "appound"),
    ("meter", "m"),
    ("cm", "centimeter"),
    ("mm", "millimeter"),
    ("km", "kilometer"),
    ("nm", "nanometer"),
    ("micron", "micrometer"),
    ("angstrom", "decinanometer"),
    ("inch", "2.54 cm"),
    ("in", "inch"),
    ("foot", "12 in"),
    ("feet", "foot"),
    ("ft", "foot"),
    ("yard", "3 ft"),
    ("yd", "yard"),
    ("rod", "5.5 yd"),
    ("rd", "rod"),
    ("mile", "5280 ft"),
    ("mi", "mile"),
    ("british", "1200|3937 m/ft"),
    ("nmile", "1852m"),
    ("acre", "4840 yd2"),
    ("cc", "cm3"),
    ("liter", "kilocc"),
    ("ml", "milliliter"),
    ("gallon", "231 in3"),
    ("imperial", "1.20095"),
    ("gal", "gallon"),
    ("quart", "1|4 gal"),
    ("qt", "quart"),
    ("pint", "1|2 qt"),
    ("pt", "pint"),
    ("floz", "1|16 pt"),
    ("fldr", "1|8 floz"),
    ("dry", "268.8025 in3/gallon fuzz"),
    ("peck", "8 dry-quart"),
    ("pk", "peck"),
    ("bushel", "4 peck"),
    ("bu", "bushel"),
    ("chaldron", "36 bushel"),
    ("brgallon", "277.420 in3 fuzz"),
    ("brquart", "1|4 brgallon"),
    ("brpint", "1|2 brquart"),
    ("brfloz", "1|20 brpint"),
    ("brpeck", "554.84 in3 fuzz"),
    ("brbushel", "4 brpeck"),
    ("newton", "kg-m/sec2"),
    ("nt", "newton"),
    ("N", "newton"),
    ("joule", "nt-m"),
    ("cal", "4.1868 joule"),
    ("coulomb", "coul"),
    ("C", "coul"),
    ("ampere", "coul/sec"),
    ("amp", "ampere"),
    ("watt", "joule/sec"),
    ("volt", "watt/amp"),
    ("ohm", "volt/amp"),
    ("mho", "/ohm"),
    ("farad", "coul/volt"),
    ("henry", "sec2/farad"),
    ("weber", "volt-sec"),
    ("cd", "candela"),
    ("lumen", "cd sr"),
    ("lux", "cd sr/m2"),
    ("baud", "bit/sec"),
    ("byte", "8 bit"),
    ("block", "512 byte"),
    ("kbyte", "1024 byte"),
    ("megabyte", "1024 kbyte"),
    ("gigabyte", "1024 megabyte"),
    ("meg", "megabyte"),
    ("%", "1|100"),
    ("admiraltyknot", "6080 ft/hr"),
    ("apostilb", "cd/pi-m2"),
    ("are", "1+2 m2"),
    ("arpentcan", "27.52 mi"),
    ("arpentlin", "191.835 ft"),
    ("astronomicalunit", "au"),
    ("atmosphere", "1.01325+5 nt/m2"),
    ("atm", "atmosphere"),
    ("atomicmassunit", "1.66044-27 kg fuzz"),
    ("amu", "atomicmassunit"),
    ("bag", "94 lb"),
    ("bakersdozen", "13"),
    ("bar", "1+5 nt/m2"),
    ("barie", "1-1 nt/m2"),
    ("barleycorn", "1|3 in"),
    ("barn", "1-28 m2"),
    ("barrel", "42 gal"),
    ("barye", "1-1 nt/m2"),
    ("bev", "1+9 e-volt"),
    ("biot", "10 amp"),
    ("blondel", "cd/pi-m2"),
    ("boardfoot", "144 in3"),
    ("bolt", "40 yd"),
    ("bottommeasure", "1|40 in"),
    ("britishthermalunit", "1.05506+3 joule fuzz"),
    ("btu", "britishthermalunit"),
    ("refrigeration", "12000 btu/ton-hour"),
    ("cable", "720 ft"),
    ("caliber", "1-2 in"),
    ("calorie", "cal"),
    ("carat", "205 mg"),
    ("caratgold", "1|24"),
    ("cental", "100 lb"),
    ("centesimalminute", "1-2 grade"),
    ("centesimalsecond", "1-4 grade"),
    ("century", "100 year"),
    ("cfs", "ft3/sec"),
    ("chain", "66 ft"),
    ("circularinch", "1|4 pi-in2"),
    ("circularmil", "1-6|4 pi-in2"),
    ("clusec", "1-8 mm-hg m3/s"),
    ("coomb", "4 bu"),
    ("cord", "128 ft3"),
    ("cordfoot", "cord"),
    ("crith", "9.06-2 gm"),
    ("cubit", "18 in"),
    ("cup", "1|2 pt"),
    ("curie", "3.7+10 /sec"),
    ("dalton", "amu"),
    ("decade", "10 yr"),
    ("dipotre", "/m"),
    ("displacementton", "35 ft3"),
    ("doppelzentner", "100 kg"),
    ("dozen", "12"),
    ("drop", ".03 cm3"),
    ("dyne", "cm-gm/sec2"),
    ("electronvolt", "e-volt"),
    ("ell", "45 in"),
    ("engineerschain", "100 ft"),
    ("engineerslink", "100|100 ft"),
    ("equivalentfootcandle", "lumen/pi-ft2"),
    ("equivalentlux", "lumen/pi-m2"),
    ("equivalentphot", "cd/pi-cm2"),
    ("erg", "cm2-gm/sec2"),
    ("ev", "e-volt"),
    ("faraday", "e-mole"),
    ("fathom", "6 ft"),
    ("fermi", "1-15 m"),
    ("fifth", "4|5 qt"),
    ("finger", "7|8 in"),
    ("firkin", "9 gal"),
    ("footcandle", "lumen/ft2"),
    ("footlambert", "cd/pi-ft2"),
    ("fortnight", "14 da"),
    ("franklin", "3.33564-10 coul"),
    ("frigorie", "kilocal"),
    ("furlong", "220 yd"),
    ("galileo", "1-2 m/sec2"),
    ("gamma", "1-9 weber/m2"),
    ("gauss", "1-4 weber/m2"),
    ("geodeticfoot", "british-ft"),
    ("geographicalmile", "1852 m"),
    ("gilbert", "7.95775-1 amp"),
    ("gill", "1|4 pt"),
    ("gross", "144"),
    ("gunterschain", "22 yd"),
    ("hand", "4 in"),
    ("hectare", "1+4 m2"),
    ("hefnercandle", ".92 cd"),
    ("hertz", "/sec"),
    ("Hz", "hertz"),
    ("hogshead", "2 barrel"),
    ("hd", "hogshead"),
    ("homestead", "1|4 mi2"),
    ("horsepower", "550 ft-lb-g/sec"),
    ("hp", "horsepower"),
    ("hyl", "gm force sec2/m"),
    ("hz", "/sec"),
    ("imaginarycubicfoot", "1.4 ft3"),
    ("jeroboam", "4|5 gal"),
    ("boltzmann", "1.380649-23 joule/K"),
    ("k", "boltzmann"),
    ("karat", "1|24"),
    ("kcal", "kilocal"),
    ("kcalorie", "kilocal"),
    ("kev", "1+3 e-volt"),
    ("key", "kg"),
    ("khz", "1+3 /sec"),
    ("kilderkin", "18 gal"),
    ("knot", "nmile/hr"),
    ("lambert", "cd/pi-cm2"),
    ("langley", "cal/cm2"),
    ("last", "80 bu"),
    ("league", "3 mi"),
    ("lightyear", "c-yr"),
    ("line", "1|12 in"),
    ("link", "66|100 ft"),
    ("longhundredweight", "112 lb"),
    ("longquarter", "28 lb"),
    ("lusec", "1-6 mm-hg m3/s"),
    ("mach", "331.46 m/sec"),
    ("magnum", "2 qt"),
    ("marineleague", "3 nmile"),
    ("maxwell", "1-8 weber"),
    ("metriccarat", "200 mg"),
    ("mgd", "megagal/day"),
    ("mh", "millihenry"),
    ("mhz", "1+6 /sec"),
    ("mil", "1-3 in"),
    ("millenium", "1000 year"),
    ("minersinch", "1.5 ft3/min"),
    ("minim", "1|60 fldr"),
    ("mo", "month"),
    ("mpg", "mile/gal"),
    ("mph", "mile/hr"),
    ("nail", "1|16 yd"),
    ("nauticalmile", "nmile"),
    ("nit", "cd/m2"),
    ("noggin", "1|8 qt"),
    ("nox", "1-3 lux"),
    ("ns", "nanosec"),
    ("oersted", "2.5+2 pi-amp/m"),
    ("oe", "oersted"),
    ("pace", "36 in"),
    ("palm", "3 in"),
    ("parasang", "3.5 mi"),
    ("parsec", "au-radian/arcsec"),
    ("pascal", "nt/m2"),
    ("pc", "parsec"),
    ("pennyweight", "1|20 oz"),
    ("pwt", "pennyweight"),
    ("percent", "%"),
    ("perch", "rd"),
    ("pf", "picofarad"),
    ("phot", "lumen/cm2"),
    ("pica", "1|6 in"),
    ("pieze", "1+3 nt/m2"),
    ("pipe", "4 barrel"),
    ("point", "1|72 in"),
    ("poise", "gm/cm-sec"),
    ("pole", "rd"),
    ("poundal", "ft-lb/sec2"),
    ("pdl", "poundal"),
    ("proof", "1|200"),
    ("psi", "lb-g/in2"),
    ("quarter", "9 in"),
    ("quartersection", "1|4 mi2"),
    ("quintal", "100 kg"),
    ("quire", "25"),
    ("gasconstant", "k-mole"),
    ("R", "gasconstant"),
    ("rad", "100 erg/gm"),
    ("ream", "500"),
    ("registerton", "100 ft3"),
    ("rehoboam", "156 floz"),
    ("rhe", "10 m2/nt-sec"),
    ("rontgen", "2.58-4 curie/kg"),
    ("rood", "1.21+3 yd"),
    ("rope", "20 ft"),
    ("rutherford", "1+6 /sec"),
    ("rydberg", "1.36054+1 ev"),
    ("sabin", "1 ft2"),
    ("sack", "3 bu"),
    ("seam", "8 bu"),
    ("section", "mi2"),
    ("shippington", "40 ft3"),
    ("shorthundredweight", "100 lb"),
    ("shortquarter", "25 lb"),
    ("siemens", "/ohm"),
    ("sigma", "microsec"),
    ("skein", "120 yd"),
    ("skot", "1-3 apostilb"),
    ("slug", "lb-g-sec2/ft"),
    ("span", "9 in"),
    ("spat", "4 pi sr"),
    ("spindle", "14400 yd"),
    ("square", "100 ft2"),
    ("stere", "m3"),
    ("sthene", "1+3 nt"),
    ("stilb", "cd/cm2"),
    ("stoke", "1-4 m2/sec"),
    ("stone", "14 lb"),
    ("strike", "2 bu"),
    ("surveyfoot", "british-ft"),
    ("surveyyard", "3 surveyfoot"),
    ("surveyorschain", "66 ft"),
    ("surveyorslink", "66|100 ft"),
    ("tablespoon", "4 fldr"),
    ("teaspoon", "4|3 fldr"),
    ("tesla", "weber/m2"),
    ("therm", "1+5 btu"),
    ("thermie", "1+6 cal"),
    ("timberfoot", "ft3"),
    ("tnt", "4.6+6 m2/sec2"),
    ("tonne", "1+6 gm"),
    ("torr", "mm hg"),
    ("township", "36 mi2"),
    ("tun", "8 barrel"),
    ("water", "gram g / cc"),
    ("wey", "40 bu"),
    ("weymass", "252 lb"),
    ("Xunit", "1.00202-13m"),
    ("degC", "K"),
    ("kelvin", "K"),
    ("brewster", "1-12 m2/newton"),
    ("degF", "5|9 degC"),
    ("degreesrankine", "degF"),
    ("degrankine", "degreesrankine"),
    ("degreerankine", "degF"),
    ("degreaumur", "10|8 degC"),
    ("drachm", "60 grain"),
    ("poncelet", "100 kg m g / sec"),
    ("denier", ".05|450 gram / m"),
    ("tex", ".001 gram / m"),
    ("englishell", "45 inch"),
    ("scottishell", "37.2 inch"),
    ("flemishell", "27 inch"),
    ("planck", "6.62607015-34 joule-sec"),
    ("hbar", "planck/two-pi"),
    ("electronmass", "9.1095-31 kg"),
    ("protonmass", "1.6726-27 kg"),
    ("neutronmass", "1.6606-27 kg"),
    ("V", "volt"),
    ("eV", "e V"),
    ("bohrradius", "1|8.988e9 hbar2-C2 / N m2-e2-electronmass"),
    ("becquerel", "1|3.7+10 curie"),
    ("fresnel", "1+12 hertz"),
    ("statcoul", "1|2.99792458+9 coul"),
    ("statamp", "1|2.99792458+9 amp"),
    ("statvolt", "2.99792458+2 volt"),
    ("statcoulomb", "statcoul"),
    ("statampere", "statamp"),
    ("debye", "3.336-30 coul-m"),
    ("pulsatance", "2 pi/sec"),
    ("rpm", "rev/minute"),
    ("rps", "rev/sec"),
    ("kilohm", "kiloohm"),
    ("megohm", "megaohm"),
    ("siderealyear", "365.256360417 day"),
    ("siderealday", "23.934469444 hour"),
    ("siderealhour", "1|24 siderealday"),
    ("lunarmonth", "29.5305555 day"),
    ("synodicmonth", "lunarmonth"),
    ("siderealmonth", "27.32152777 day"),
    ("tropicalyear", "year"),
    ("solaryear", "year"),
    ("lunaryear", "12 lunarmonth"),
    ("cran", "37.5 brgallon"),
    ("kip", "1000 lbf"),
    ("frenchfoot", "16|15 ft"),
    ("frenchfeet", "frenchfoot"),
    ("toise", "6 frenchfeet"),
    ("sievert", "8.4 rontgen"),
    ("candle", "1.02 candela"),
    ("militarypace", "2.5 feet"),
    ("metre", "meter"),
    ("litre", "liter"),
    ("gramme", "gram"),
    ("iudiptheria", "62.8 microgram"),
    ("iupenicillin", ".6 microgram"),
    ("iuinsulin", "41.67 microgram"),
    ("cottonyarncount", "2520 ft/pound"),
    ("linenyarncount", "900 ft/pound"),
    ("worstedyarncount", "1680 ft/pound"),
    ("metricyarncount", "meter/gram"),
    ("jewlerspoint", "2 milligram"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_unit_is_defined() {
        let t = UnitTable::standard();
        for (name, def) in DEFINITIONS {
            assert!(t.parse(def).is_ok(), "{name} = {def}");
            assert!(t.units.contains_key(*name), "{name}");
        }
    }
}

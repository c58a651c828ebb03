//! Building probes from `probes.json` objects.
//!
//! Types and parameter names follow LFPykit's classes (see
//! `shared/conformance/README.md`); defaults are LFPykit's. Unknown fields are
//! errors, so that a misspelt parameter does not silently fall back to a
//! default.

use serde_json::{Map, Value};

use crate::csd::{LaminarCurrentSourceDensity, VolumetricCurrentSourceDensity};
use crate::dipole::{CurrentDipoleMoment, InfiniteVolumeConductor};
use crate::electrode::{Conductivity, ContactShape, ContactSurface, Method, RecExtElectrode};
use crate::four_sphere::FourSphereVolumeConductor;
use crate::geometry::FieldError;
use crate::line_source::LineSourcePotential;
use crate::mea::RecMEAElectrode;
use crate::nyhead::NYHeadModel;
use crate::meg::{InfiniteHomogeneousVolCondMEG, SphericallySymmetricVolCondMEG, MU_0};
use crate::one_sphere::OneSphereVolumeConductor;
use crate::point_source::{contacts_from_xyz, PointSourcePotential};
use crate::Probe;

/// One probe object with its name, for field access with located errors.
struct Obj<'a> {
    name: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    fn fail<T>(&self, field: &str, what: &str) -> Result<T, FieldError> {
        Err(FieldError(format!(
            "probe '{}': field '{}' {}",
            self.name, field, what
        )))
    }

    /// Rewrites a model's own error so it names the probe.
    fn wrap<T>(&self, r: Result<T, FieldError>) -> Result<T, FieldError> {
        r.map_err(|e| FieldError(format!("probe '{}': {}", self.name, e.0)))
    }

    fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    fn require(&self, field: &str) -> Result<&'a Value, FieldError> {
        match self.get(field) {
            Some(v) => Ok(v),
            None => self.fail(field, "is required"),
        }
    }

    fn check_fields(&self, allowed: &[&str]) -> Result<(), FieldError> {
        for key in self.map.keys() {
            if key != "name" && key != "type" && !allowed.contains(&key.as_str()) {
                let mut list: Vec<&str> = allowed.to_vec();
                list.sort_unstable();
                return Err(FieldError(format!(
                    "probe '{}': unknown field '{}' (expected {})",
                    self.name,
                    key,
                    if list.is_empty() {
                        "none".to_string()
                    } else {
                        list.join(", ")
                    }
                )));
            }
        }
        Ok(())
    }

    fn number(&self, field: &str) -> Result<f64, FieldError> {
        match self.require(field)?.as_f64() {
            Some(x) if x.is_finite() => Ok(x),
            _ => self.fail(field, "must be a number"),
        }
    }

    fn number_or(&self, field: &str, default: f64) -> Result<f64, FieldError> {
        if self.get(field).is_some() {
            self.number(field)
        } else {
            Ok(default)
        }
    }

    fn opt_number(&self, field: &str) -> Result<Option<f64>, FieldError> {
        if self.get(field).is_some() {
            self.number(field).map(Some)
        } else {
            Ok(None)
        }
    }

    fn count(&self, field: &str) -> Result<usize, FieldError> {
        match self.require(field)?.as_f64() {
            Some(x) if x >= 0.0 && x.fract() == 0.0 && x <= u32::MAX as f64 => Ok(x as usize),
            _ => self.fail(field, "must be a non-negative integer"),
        }
    }

    fn string(&self, field: &str) -> Result<&'a str, FieldError> {
        match self.require(field)?.as_str() {
            Some(s) => Ok(s),
            None => self.fail(field, "must be a string"),
        }
    }

    /// A list of numbers; a single number counts as a list of one.
    fn numbers(&self, field: &str) -> Result<Vec<f64>, FieldError> {
        let v = self.require(field)?;
        if let Some(x) = v.as_f64() {
            return Ok(vec![x]);
        }
        numbers_of(v).map_or_else(|| self.fail(field, "must be a list of numbers"), Ok)
    }

    fn fixed<const N: usize>(&self, field: &str) -> Result<[f64; N], FieldError> {
        let what = format!("must be {N} numbers");
        match numbers_of(self.require(field)?) {
            Some(v) if v.len() == N => Ok(v.try_into().unwrap()),
            _ => self.fail(field, &what),
        }
    }

    /// A list of `[x, y, z]` points.
    fn points(&self, field: &str) -> Result<Vec<[f64; 3]>, FieldError> {
        points_of(self.require(field)?).map_or_else(
            || self.fail(field, "must be a list of [x, y, z] points"),
            Ok,
        )
    }

    /// Contact positions from `x`, `y`, `z` (lists, or numbers for one contact).
    fn contacts(&self) -> Result<Vec<[f64; 3]>, FieldError> {
        let (x, y, z) = (self.numbers("x")?, self.numbers("y")?, self.numbers("z")?);
        if x.len() != y.len() || x.len() != z.len() {
            return self.fail(
                "x",
                &format!(
                    "must have as many entries as 'y' and 'z' ({}, {}, {})",
                    x.len(),
                    y.len(),
                    z.len()
                ),
            );
        }
        self.wrap(contacts_from_xyz(&x, &y, &z))
    }

    fn positive(&self, field: &str, default: f64) -> Result<f64, FieldError> {
        let s = self.number_or(field, default)?;
        if s > 0.0 {
            Ok(s)
        } else {
            self.fail(field, "must be greater than zero")
        }
    }

    fn conductivity(&self) -> Result<Conductivity, FieldError> {
        match self.get("sigma") {
            None => Ok(Conductivity::Isotropic(0.3)),
            Some(v) => {
                if let Some(s) = v.as_f64() {
                    if s > 0.0 {
                        return Ok(Conductivity::Isotropic(s));
                    }
                } else if let Some(s) = numbers_of(v).filter(|s| s.len() == 3) {
                    if s.iter().all(|x| *x > 0.0) {
                        return Ok(Conductivity::Anisotropic([s[0], s[1], s[2]]));
                    }
                }
                self.fail(
                    "sigma",
                    "must be a positive number or 3 positive numbers [sx, sy, sz]",
                )
            }
        }
    }

    fn method(&self) -> Result<Method, FieldError> {
        if self.get("method").is_none() {
            return Ok(Method::LineSource);
        }
        let s = self.string("method")?;
        Method::parse(s).map_or_else(
            || {
                self.fail(
                    "method",
                    "must be 'linesource', 'pointsource' or 'root_as_point'",
                )
            },
            Ok,
        )
    }

    /// Contact surfaces: used, as in LFPykit, only when `r`, `n` and `N` are
    /// all given.
    fn surface(&self, n_contacts: usize) -> Result<Option<ContactSurface>, FieldError> {
        let shape = if self.get("contact_shape").is_some() {
            match self.string("contact_shape")? {
                "circle" => ContactShape::Circle,
                "square" => ContactShape::Square,
                _ => return self.fail("contact_shape", "must be 'circle' or 'square'"),
            }
        } else {
            ContactShape::Circle
        };
        if self.get("r").is_none() || self.get("n").is_none() || self.get("N").is_none() {
            return Ok(None);
        }
        let r = self.number("r")?;
        if !(r > 0.0) {
            return self.fail("r", "must be greater than zero");
        }
        let n = self.count("n")?;
        if n <= 1 {
            return self.fail("n", "must be larger than 1");
        }
        let v = self.require("N")?;
        let normals = if let Some(one) = numbers_of(v).filter(|p| p.len() == 3) {
            vec![[one[0], one[1], one[2]]; n_contacts]
        } else {
            match points_of(v) {
                Some(p) if p.len() == n_contacts => p,
                _ => {
                    return self.fail(
                        "N",
                        &format!(
                            "must be one normal [x, y, z] or {n_contacts} of them, one per contact"
                        ),
                    )
                }
            }
        };
        Ok(Some(ContactSurface {
            r,
            n,
            normals,
            shape,
        }))
    }
}

fn numbers_of(v: &Value) -> Option<Vec<f64>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_f64().filter(|x| x.is_finite()))
        .collect()
}

fn points_of(v: &Value) -> Option<Vec<[f64; 3]>> {
    v.as_array()?
        .iter()
        .map(|p| {
            numbers_of(p)
                .filter(|p| p.len() == 3)
                .map(|p| [p[0], p[1], p[2]])
        })
        .collect()
}

const ELECTRODE_FIELDS: [&str; 10] = [
    "x",
    "y",
    "z",
    "sigma",
    "method",
    "N",
    "r",
    "n",
    "contact_shape",
    "verbose",
];

/// Builds a probe from its probes.json object (serde_json::Value) — see the table in conformance/README.md;
/// errors name the offending field, e.g. "probe 'eeg': field 'radii' must be 4 numbers".
pub fn probe_from_json(v: &Value) -> Result<(String /*name*/, Box<dyn Probe>), FieldError> {
    let map = v
        .as_object()
        .ok_or_else(|| FieldError("probe: each probe must be a JSON object".into()))?;
    let name = match map.get("name") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(FieldError("probe: field 'name' must be a string".into())),
        None => return Err(FieldError("probe: field 'name' is required".into())),
    };
    let o = Obj { name, map };
    let ty = o.string("type")?;
    let probe: Box<dyn Probe> = match ty {
        "PointSourcePotential" | "LineSourcePotential" => {
            o.check_fields(&["x", "y", "z", "sigma"])?;
            let contacts = o.contacts()?;
            let sigma = o.positive("sigma", 0.3)?;
            if ty == "PointSourcePotential" {
                Box::new(o.wrap(PointSourcePotential::new(contacts, sigma))?)
            } else {
                Box::new(o.wrap(LineSourcePotential::new(contacts, sigma))?)
            }
        }
        "RecExtElectrode" => {
            o.check_fields(&[&ELECTRODE_FIELDS[..], &["seedvalue"]].concat())?;
            let contacts = o.contacts()?;
            let sigma = o.conductivity()?;
            let method = o.method()?;
            let surface = o.surface(contacts.len())?;
            Box::new(o.wrap(RecExtElectrode::new(contacts, sigma, method, surface))?)
        }
        "RecMEAElectrode" => {
            o.check_fields(
                &[
                    &ELECTRODE_FIELDS[..],
                    &[
                        "seedvalue",
                        "sigma_T",
                        "sigma_S",
                        "sigma_G",
                        "h",
                        "z_shift",
                        "steps",
                        "squeeze_cell_factor",
                    ],
                ]
                .concat(),
            )?;
            // LFPykit's defaults: one contact at the origin
            let contacts = if o.get("x").is_none() && o.get("y").is_none() && o.get("z").is_none() {
                vec![[0.0; 3]]
            } else {
                o.contacts()?
            };
            // `sigma` is accepted (RecExtElectrode's) but unused: sigma_T rules
            let _ = o.conductivity()?;
            let method = o.method()?;
            let surface = o.surface(contacts.len())?;
            let steps = if o.get("steps").is_some() {
                o.count("steps")?
            } else {
                20
            };
            let z_shift = o.number_or("z_shift", 0.0)?;
            Box::new(o.wrap(RecMEAElectrode::new(
                contacts,
                o.positive("sigma_T", 0.3)?,
                o.number_or("sigma_S", 1.5)?,
                o.number_or("sigma_G", 0.0)?,
                o.positive("h", 300.0)?,
                z_shift,
                steps,
                method,
                surface,
                o.opt_number("squeeze_cell_factor")?,
            ))?)
        }
        "OneSphereVolumeConductor" => {
            o.check_fields(&["r", "R", "sigma_i", "sigma_o", "n_max"])?;
            let rows = match o
                .require("r")?
                .as_array()
                .map(|a| a.iter().map(numbers_of).collect::<Option<Vec<_>>>())
            {
                Some(Some(rows))
                    if rows.len() == 3
                        && rows[1].len() == rows[0].len()
                        && rows[2].len() == rows[0].len() =>
                {
                    rows
                }
                _ => return o.fail(
                    "r",
                    "must be 3 equally long lists [radii, thetas, phis] (spherical coordinates)",
                ),
            };
            let points = (0..rows[0].len())
                .map(|j| [rows[0][j], rows[1][j], rows[2][j]])
                .collect();
            let n_max = if o.get("n_max").is_some() {
                o.count("n_max")?
            } else {
                1000
            };
            Box::new(o.wrap(OneSphereVolumeConductor::new(
                points,
                o.positive("R", 10000.0)?,
                o.positive("sigma_i", 0.3)?,
                o.positive("sigma_o", 0.03)?,
                n_max,
            ))?)
        }
        "CurrentDipoleMoment" => {
            o.check_fields(&[])?;
            Box::new(CurrentDipoleMoment)
        }
        "FourSphereVolumeConductor" => {
            o.check_fields(&[
                "r_electrodes",
                "radii",
                "sigmas",
                "dipole_location",
                "iter_factor",
            ])?;
            let electrodes = o.points("r_electrodes")?;
            let radii = if o.get("radii").is_some() {
                o.fixed::<4>("radii")?
            } else {
                [79000.0, 80000.0, 85000.0, 90000.0]
            };
            let sigmas = if o.get("sigmas").is_some() {
                o.fixed::<4>("sigmas")?
            } else {
                [0.3, 1.5, 0.015, 0.3]
            };
            let loc = o.fixed::<3>("dipole_location")?;
            let mut p = o.wrap(FourSphereVolumeConductor::new(
                electrodes, radii, sigmas, loc,
            ))?;
            p.iter_factor = o.number_or(
                "iter_factor",
                FourSphereVolumeConductor::DEFAULT_ITER_FACTOR,
            )?;
            Box::new(p)
        }
        "InfiniteVolumeConductor" => {
            o.check_fields(&["r", "sigma", "dipole_location"])?;
            let r = o.points("r")?;
            let sigma = o.positive("sigma", 0.3)?;
            let loc = o.fixed::<3>("dipole_location")?;
            Box::new(o.wrap(InfiniteVolumeConductor::new(r, sigma, loc))?)
        }
        "InfiniteHomogeneousVolCondMEG" => {
            o.check_fields(&["sensor_locations", "dipole_location", "mu"])?;
            let s = o.points("sensor_locations")?;
            let loc = o.fixed::<3>("dipole_location")?;
            let mu = o.number_or("mu", MU_0)?;
            Box::new(o.wrap(InfiniteHomogeneousVolCondMEG::new(s, loc, mu))?)
        }
        "SphericallySymmetricVolCondMEG" => {
            o.check_fields(&["r", "dipole_location", "mu"])?;
            let s = o.points("r")?;
            let loc = o.fixed::<3>("dipole_location")?;
            let mu = o.number_or("mu", MU_0)?;
            Box::new(o.wrap(SphericallySymmetricVolCondMEG::new(s, loc, mu))?)
        }
        "LaminarCurrentSourceDensity" => {
            o.check_fields(&["z", "r"])?;
            let z = match o
                .require("z")?
                .as_array()
                .map(|a| a.iter().map(numbers_of).collect::<Option<Vec<_>>>())
            {
                Some(Some(rows)) if rows.iter().all(|r| r.len() == 2) => {
                    rows.iter().map(|r| [r[0], r[1]]).collect::<Vec<_>>()
                }
                _ => return o.fail("z", "must be a list of [lower, upper] bin edges"),
            };
            let r = o.numbers("r")?;
            if r.len() != z.len() {
                return o.fail(
                    "r",
                    &format!("must hold one radius per z bin ({})", z.len()),
                );
            }
            Box::new(o.wrap(LaminarCurrentSourceDensity::new(z, r))?)
        }
        "VolumetricCurrentSourceDensity" => {
            o.check_fields(&["x", "y", "z", "dl"])?;
            let (x, y, z) = (o.numbers("x")?, o.numbers("y")?, o.numbers("z")?);
            let dl = o.positive("dl", 1.0)?;
            Box::new(o.wrap(VolumetricCurrentSourceDensity::new(x, y, z, dl))?)
        }
        "NYHeadModel" => {
            o.check_fields(&["file", "dipole_pos", "rotate_to_normal", "orig_ax_vec"])?;
            let file = o.string("file")?;
            let pos = match o.get("dipole_pos") {
                None => NYHeadModel::named_position("motorsensory_cortex").expect("a named position"),
                Some(Value::String(s)) => match NYHeadModel::named_position(s) {
                    Some(p) => p,
                    None => {
                        let names: Vec<&str> = crate::nyhead::NAMED_POSITIONS.iter().map(|p| p.0).collect();
                        return o.fail("dipole_pos", &format!("'{s}' is not a position the model names ({})", names.join(", ")));
                    }
                },
                Some(_) => o.fixed::<3>("dipole_pos")?,
            };
            let rotate = match o.get("rotate_to_normal") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return o.fail("rotate_to_normal", "must be true or false"),
            };
            let axis = if o.get("orig_ax_vec").is_some() { o.fixed::<3>("orig_ax_vec")? } else { [0.0, 0.0, 1.0] };
            if rotate && axis.iter().all(|&x| x == 0.0) {
                return o.fail("orig_ax_vec", "must not be zero");
            }
            Box::new(o.wrap(NYHeadModel::open(std::path::Path::new(file), pos, rotate.then_some(axis)))?)
        }
        other => {
            return Err(FieldError(format!(
                "probe '{name}': field 'type' has unknown probe type '{other}'"
            )));
        }
    };
    Ok((name.to_string(), probe))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error_of(v: Value) -> String {
        match probe_from_json(&v) {
            Ok(_) => panic!("accepted {v}"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn errors_name_the_field() {
        let e = error_of(json!({"name": "eeg", "type": "FourSphereVolumeConductor",
            "r_electrodes": [[0, 0, 89990]], "radii": [1, 2, 3], "dipole_location": [0, 0, 78000]}));
        assert_eq!(e, "probe 'eeg': field 'radii' must be 4 numbers");
        let e = error_of(json!({"name": "p", "type": "PointSourcePotential", "x": [1], "y": [2]}));
        assert_eq!(e, "probe 'p': field 'z' is required");
        let e = error_of(
            json!({"name": "p", "type": "RecExtElectrode", "x": 1, "y": 2, "z": 3, "method": "area"}),
        );
        assert!(e.contains("field 'method'"), "{e}");
        let e = error_of(
            json!({"name": "p", "type": "RecExtElectrode", "x": 1, "y": 2, "z": 3, "sigma": [1, 2]}),
        );
        assert!(e.contains("field 'sigma'"), "{e}");
        let e = error_of(
            json!({"name": "p", "type": "LineSourcePotential", "x": [1], "y": [2], "z": [3], "sigmaa": 1}),
        );
        assert!(e.contains("unknown field 'sigmaa'"), "{e}");
        let e = error_of(json!({"name": "p", "type": "Nope"}));
        assert!(e.contains("unknown probe type 'Nope'"), "{e}");
        let e = error_of(json!({"type": "CurrentDipoleMoment"}));
        assert!(e.contains("'name'"), "{e}");
        let e = error_of(
            json!({"name": "mea", "type": "RecMEAElectrode", "x": [0], "y": [0], "z": [5]}),
        );
        assert!(e.starts_with("probe 'mea': method 'linesource'"), "{e}");
    }

    #[test]
    fn image_terms_of_a_slice_are_bounded() {
        let mea = |steps: f64| json!({"name": "mea", "type": "RecMEAElectrode", "x": [0], "y": [0], "z": [0], "steps": steps});
        let e = error_of(mea(1e9));
        assert!(e.starts_with("probe 'mea': steps = 1000000000 image terms is more than the 10000"), "{e}");
        assert!(probe_from_json(&mea(10_000.0)).is_ok());
    }

    #[test]
    fn dims_and_units() {
        let (name, p) = probe_from_json(
            &json!({"name": "meg", "type": "InfiniteHomogeneousVolCondMEG",
            "sensor_locations": [[0, 0, 1000], [1000, 0, 0]], "dipole_location": [0, 0, 0]}),
        )
        .unwrap();
        assert_eq!(name, "meg");
        assert_eq!(p.output_dims(), vec![2, 3]);
        assert_eq!(p.units(), "nA/µm");
        let (_, p) = probe_from_json(
            &json!({"name": "v", "type": "VolumetricCurrentSourceDensity",
            "x": [0, 1, 2], "y": [0, 1], "z": [0, 1, 2, 3]}),
        )
        .unwrap();
        assert_eq!(p.output_dims(), vec![2, 1, 3]);
        let (_, p) = probe_from_json(&json!({"name": "d", "type": "CurrentDipoleMoment"})).unwrap();
        assert_eq!(p.output_dims(), vec![3]);
        assert_eq!(p.units(), "nA·µm");
    }
}

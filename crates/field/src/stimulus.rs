//! Extracellular stimulation by point current sources in a homogeneous
//! medium, as LFPy 2.3.7's `Cell.enable_extracellular_stimulation` computes
//! it through MEAutility's `Electrode.compute_mapping`: the potential at a
//! point r of a current I (nA) injected at r_n is
//!
//!   V = I / (4π σ |r − r_n|)                       (σ isotropic, S/m)
//!   V = I / (4π √(σy σz dx² + σx σz dy² + σx σy dz²))   (σ = [σx, σy, σz])
//!
//! in mV for distances in µm, with 2π instead of 4π for a source on the
//! surface of a half-infinite medium (`"model": "semi"`, the method of
//! images). As in MEAutility, distances below 2 µm count as 2 µm (along the
//! same direction in the anisotropic case). The waveform is a list of
//! currents, each holding from its time on (LFPy's `t_ext`).

use serde_json::Value;

use crate::electrode::Conductivity;
use crate::geometry::FieldError;

/// MEAutility's `dist_limit` (µm).
pub const DIST_LIMIT: f64 = 2.0;

/// One stimulating point electrode and its current.
#[derive(Debug, Clone)]
pub struct PointCurrentSource {
    pub position: [f64; 3],
    pub sigma: Conductivity,
    /// Source on the surface of a half-infinite medium (method of images).
    pub semi: bool,
    /// Times (ms, increasing) from which each current (nA) holds.
    pub t: Vec<f64>,
    pub i: Vec<f64>,
}

impl PointCurrentSource {
    /// Potential (mV) per nA of source current at each point.
    pub fn mapping(&self, points: &[[f64; 3]]) -> Vec<f64> {
        let four_pi = if self.semi { 2.0 * std::f64::consts::PI } else { 4.0 * std::f64::consts::PI };
        let e = self.position;
        points
            .iter()
            .map(|p| match self.sigma {
                Conductivity::Isotropic(s) => {
                    let d = [p[0] - e[0], p[1] - e[1], p[2] - e[2]];
                    let dist = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt().max(DIST_LIMIT);
                    1.0 / (four_pi * s * dist)
                }
                Conductivity::Anisotropic(s) => {
                    let (mut dx2, mut dy2, mut dz2) = ((e[0] - p[0]).powi(2), (e[1] - p[1]).powi(2), (e[2] - p[2]).powi(2));
                    let mut r2 = dx2 + dy2 + dz2;
                    if r2.abs() < 1e-6 {
                        dx2 += 0.001;
                        r2 += 0.001;
                    }
                    if r2 < DIST_LIMIT * DIST_LIMIT {
                        let f = DIST_LIMIT * DIST_LIMIT / r2;
                        dx2 *= f;
                        dy2 *= f;
                        dz2 *= f;
                    }
                    let sigma_r = (s[1] * s[2] * dx2 + s[0] * s[2] * dy2 + s[0] * s[1] * dz2).sqrt();
                    1.0 / (four_pi * sigma_r)
                }
            })
            .collect()
    }

    /// The current (nA) at time t: the last value whose time has come, 0
    /// before the first.
    pub fn current_at(&self, t: f64) -> f64 {
        let k = self.t.partition_point(|&tk| tk <= t);
        if k == 0 {
            0.0
        } else {
            self.i[k - 1]
        }
    }
}

/// The potential (mV) the sources give each point at each of their change
/// times: (times, `v[point][time]`). Electrodes add in order, as LFPy sums them.
pub fn stimulus_potentials(sources: &[PointCurrentSource], points: &[[f64; 3]]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut times: Vec<f64> = sources.iter().flat_map(|s| s.t.iter().copied()).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut v = vec![vec![0.0; times.len()]; points.len()];
    for s in sources {
        let map = s.mapping(points);
        for (k, &t) in times.iter().enumerate() {
            let i = s.current_at(t);
            for (p, m) in map.iter().enumerate() {
                v[p][k] += m * i;
            }
        }
    }
    (times, v)
}

fn fail<T>(name: &str, field: &str, what: &str) -> Result<T, FieldError> {
    Err(FieldError(format!("stimulus '{name}': field '{field}' {what}")))
}

fn numbers(name: &str, v: &serde_json::Map<String, Value>, field: &str) -> Result<Vec<f64>, FieldError> {
    match v.get(field) {
        None => fail(name, field, "is required"),
        Some(x) if x.is_number() => Ok(vec![x.as_f64().unwrap()]),
        Some(Value::Array(a)) => a.iter().map(|x| x.as_f64().filter(|x| x.is_finite())).collect::<Option<Vec<f64>>>().map_or_else(|| fail(name, field, "must be a list of numbers"), Ok),
        Some(_) => fail(name, field, "must be a list of numbers"),
    }
}

/// A stimulus from its probes.json object:
/// `{"name", "type": "PointCurrentSource", "x", "y", "z", "sigma", "model", "t", "i"}`.
pub fn stimulus_from_json(v: &Value) -> Result<(String, PointCurrentSource), FieldError> {
    let map = v.as_object().ok_or_else(|| FieldError("stimulus: each stimulus must be a JSON object".into()))?;
    let name = match map.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(FieldError("stimulus: field 'name' must be a string".into())),
        None => return Err(FieldError("stimulus: field 'name' is required".into())),
    };
    for key in map.keys() {
        if !["name", "type", "x", "y", "z", "sigma", "model", "t", "i"].contains(&key.as_str()) {
            return Err(FieldError(format!("stimulus '{name}': unknown field '{key}' (expected i, model, sigma, t, x, y, z)")));
        }
    }
    match map.get("type").and_then(Value::as_str) {
        Some("PointCurrentSource") => {}
        Some(t) => return fail(&name, "type", &format!("'{t}' is not a stimulus type (PointCurrentSource)")),
        None => return fail(&name, "type", "is required (PointCurrentSource)"),
    }
    let mut position = [0.0; 3];
    for (k, f) in ["x", "y", "z"].iter().enumerate() {
        match numbers(&name, map, f)?.as_slice() {
            [x] => position[k] = *x,
            _ => return fail(&name, f, "must be one number"),
        }
    }
    let sigma = match map.get("sigma") {
        None => Conductivity::Isotropic(0.3),
        Some(s) => match numbers(&name, map, "sigma")?.as_slice() {
            [x] if *x > 0.0 && s.is_number() => Conductivity::Isotropic(*x),
            [a, b, c] if *a > 0.0 && *b > 0.0 && *c > 0.0 => Conductivity::Anisotropic([*a, *b, *c]),
            _ => return fail(&name, "sigma", "must be a positive number or 3 positive numbers [sx, sy, sz]"),
        },
    };
    let semi = match map.get("model").map(|m| m.as_str()) {
        None | Some(Some("inf")) => false,
        Some(Some("semi")) => true,
        _ => return fail(&name, "model", "must be 'inf' or 'semi'"),
    };
    let (t, i) = (numbers(&name, map, "t")?, numbers(&name, map, "i")?);
    if t.len() != i.len() || t.is_empty() {
        return fail(&name, "t", &format!("must have as many entries as 'i' ({} and {}), at least one", t.len(), i.len()));
    }
    if t.windows(2).any(|w| !(w[1] >= w[0])) {
        return fail(&name, "t", "must not decrease");
    }
    Ok((name, PointCurrentSource { position, sigma, semi, t, i }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(sigma: Conductivity, semi: bool) -> PointCurrentSource {
        PointCurrentSource { position: [0.0, 0.0, 0.0], sigma, semi, t: vec![0.0, 1.0, 2.0], i: vec![0.0, -100.0, 0.0] }
    }

    #[test]
    fn point_source_falls_as_one_over_r() {
        let s = source(Conductivity::Isotropic(0.3), false);
        let m = s.mapping(&[[10.0, 0.0, 0.0], [0.0, 20.0, 0.0], [0.5, 0.0, 0.0]]);
        let k = 1.0 / (4.0 * std::f64::consts::PI * 0.3);
        assert!((m[0] - k / 10.0).abs() < 1e-15 && (m[1] - k / 20.0).abs() < 1e-15);
        // Closer than 2 µm counts as 2 µm.
        assert!((m[2] - k / 2.0).abs() < 1e-15);
        // The half-infinite medium doubles the potential.
        let semi = source(Conductivity::Isotropic(0.3), true).mapping(&[[10.0, 0.0, 0.0]]);
        assert!((semi[0] - 2.0 * m[0]).abs() < 1e-15);
    }

    #[test]
    fn anisotropic_reduces_to_isotropic() {
        let pts = [[3.0, -4.0, 12.0], [1.0, 0.5, 0.2]];
        let iso = source(Conductivity::Isotropic(0.3), false).mapping(&pts);
        let ani = source(Conductivity::Anisotropic([0.3, 0.3, 0.3]), false).mapping(&pts);
        for (a, b) in iso.iter().zip(&ani) {
            assert!((a - b).abs() < 1e-12 * a.abs(), "{a} {b}");
        }
        // Faster conduction along x lowers the potential along x more than across.
        let s = source(Conductivity::Anisotropic([1.0, 0.1, 0.1]), false).mapping(&[[50.0, 0.0, 0.0], [0.0, 50.0, 0.0]]);
        let along = 1.0 / (4.0 * std::f64::consts::PI * (0.1f64 * 0.1 * 2500.0).sqrt());
        assert!((s[0] - along).abs() < 1e-12 * along && s[1] < s[0]);
    }

    #[test]
    fn waveform_steps_and_sums() {
        let a = source(Conductivity::Isotropic(0.3), false);
        assert_eq!([a.current_at(-1.0), a.current_at(0.5), a.current_at(1.0), a.current_at(1.5), a.current_at(3.0)], [0.0, 0.0, -100.0, -100.0, 0.0]);
        let mut b = a.clone();
        b.t = vec![1.5];
        b.i = vec![50.0];
        let (t, v) = stimulus_potentials(&[a.clone(), b.clone()], &[[10.0, 0.0, 0.0]]);
        assert_eq!(t, vec![0.0, 1.0, 1.5, 2.0]);
        let m = a.mapping(&[[10.0, 0.0, 0.0]])[0];
        assert_eq!(v[0], vec![0.0, -100.0 * m, -100.0 * m + 50.0 * m, 50.0 * m]);
    }

    #[test]
    fn json_errors_name_the_field() {
        let bad = |j: &str| stimulus_from_json(&serde_json::from_str(j).unwrap()).unwrap_err().0;
        assert_eq!(bad(r#"{"name": "s", "type": "PointCurrentSource", "x": 0, "y": 0, "z": 0, "t": [0, 1], "i": [1]}"#), "stimulus 's': field 't' must have as many entries as 'i' (2 and 1), at least one");
        assert_eq!(bad(r#"{"name": "s", "type": "PointCurrentSource", "x": 0, "y": 0, "t": [0], "i": [1]}"#), "stimulus 's': field 'z' is required");
        assert!(bad(r#"{"name": "s", "type": "PointCurrentSource", "x": 0, "y": 0, "z": 0, "t": [0], "i": [1], "sigma": -1}"#).contains("'sigma'"));
        assert!(bad(r#"{"name": "s", "type": "Dipole", "x": 0, "y": 0, "z": 0, "t": [0], "i": [1]}"#).contains("not a stimulus type"));
        assert!(bad(r#"{"name": "s", "type": "PointCurrentSource", "x": 0, "y": 0, "z": 0, "t": [0], "i": [1], "amp": 3}"#).contains("unknown field 'amp'"));
        let (n, s) = stimulus_from_json(&serde_json::from_str(r#"{"name": "c", "type": "PointCurrentSource", "x": 1, "y": 2, "z": 3, "sigma": [0.1, 0.2, 0.3], "model": "semi", "t": [0, 1], "i": [0, -5]}"#).unwrap()).unwrap();
        assert_eq!(n, "c");
        assert!(s.semi && s.position == [1.0, 2.0, 3.0] && matches!(s.sigma, Conductivity::Anisotropic(_)));
    }
}

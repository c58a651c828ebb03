//! `nerve plot DIR [-o FILE]`: one figure of a `nerve run --out DIR` folder,
//! drawn as an LFPy user would: the stimulus electrodes' currents (when
//! probes.json had `stimuli`), the somatic potential (when `soma_v.npy` is
//! there), stacked traces of every electrode probe, a depth × time colour map
//! of the probe with the most contacts on one vertical line (and of a laminar
//! CSD), the current dipole moment, and EEG / MEG signals.
//!
//! PNG or SVG, by the output's extension, drawn with plotters in pure Rust;
//! text uses the embedded DejaVu Sans font, so no system font library is
//! needed. Every problem with the folder is an error message, never a panic.

use std::path::{Path, PathBuf};

use ndarray::ArrayD;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;

/// PNGs are drawn this many times larger, then averaged down.
const SUPERSAMPLE: usize = 2;
/// Most traces drawn in one stacked panel.
const MAX_TRACES: usize = 24;
/// Most time columns of a colour map.
const MAP_COLUMNS: usize = 480;
/// Most (min, max) buckets a trace is reduced to before drawing.
const LINE_BUCKETS: usize = 900;

// Layout, in pixels.
const HEADER: u32 = 44;
const TITLE: u32 = 26;
const MARGIN_TOP: u32 = 8;
const X_LABELS: u32 = 40;
const Y_LABELS: u32 = 74;
const GUTTER: u32 = 132;
const PAD: u32 = 14;
const COLUMN: u32 = 860;

const ELECTRODES: [&str; 5] = ["PointSourcePotential", "LineSourcePotential", "RecExtElectrode", "RecMEAElectrode", "OneSphereVolumeConductor"];
const EEG: [&str; 3] = ["FourSphereVolumeConductor", "InfiniteVolumeConductor", "NYHeadModel"];
const MEG: [&str; 2] = ["InfiniteHomogeneousVolCondMEG", "SphericallySymmetricVolCondMEG"];

/// matplotlib's tab10, for overlaid lines.
const TAB10: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// ColorBrewer's RdBu, reversed (blue negative, red positive).
const RDBU_R: [(u8, u8, u8); 11] = [
    (5, 48, 97),
    (33, 102, 172),
    (67, 147, 195),
    (146, 197, 222),
    (209, 229, 240),
    (247, 247, 247),
    (253, 219, 199),
    (244, 165, 130),
    (214, 96, 77),
    (178, 24, 43),
    (103, 0, 31),
];

/// Draws the figure of `dir` into `out` (default `dir/figure.png`) and
/// returns the path written.
pub fn plot(dir: &Path, out: Option<&Path>) -> Result<PathBuf, String> {
    let out = out.map(Path::to_path_buf).unwrap_or_else(|| dir.join("figure.png"));
    let ext = out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let svg = match ext.as_deref() {
        Some("png") => false,
        Some("svg") => true,
        _ => return Err(format!("{}: the output must end in .png or .svg", out.display())),
    };
    let run = load(dir)?;
    let fig = build(&run)?;
    // Fail early, with a plain message, when the output cannot be written.
    std::fs::File::create(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let drawn = render(&fig, &out, svg);
    if drawn.is_err() {
        let _ = std::fs::remove_file(&out);
    }
    drawn.map(|()| out)
}

fn render(fig: &Figure, out: &Path, svg: bool) -> Result<(), String> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the embedded font could not be loaded".to_string())?;
    let size = fig.size();
    if svg {
        let root = SVGBackend::new(out, size).into_drawing_area();
        draw(&root, fig, 1)?;
        root.present().map_err(|e| format!("{}: {e:?}", out.display()))?;
    } else {
        // Drawn at twice the size and averaged down: plotters' bitmap lines
        // and fills have no anti-aliasing of their own.
        let (w, h) = (size.0 as usize, size.1 as usize);
        // (very tall figures are drawn once, to bound the memory used)
        let ss = if w * h * SUPERSAMPLE * SUPERSAMPLE > 64 << 20 { 1 } else { SUPERSAMPLE };
        let mut big = vec![255u8; w * h * 3 * ss * ss];
        {
            let k = ss as u32;
            let root = BitMapBackend::with_buffer(&mut big, (size.0 * k, size.1 * k)).into_drawing_area();
            draw(&root, fig, k)?;
            root.present().map_err(de)?;
        }
        let small = if ss == 1 { big } else { downsample(&big, w, h, ss) };
        let mut png = BitMapBackend::new(out, size);
        png.blit_bitmap((0, 0), size, &small).map_err(de)?;
        png.present().map_err(|e| format!("{}: {e:?}", out.display()))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- reading

struct ProbeData {
    name: String,
    ty: String,
    units: String,
    shape: Vec<usize>,
    /// C order, time last.
    data: Vec<f64>,
    json: Value,
}

impl ProbeData {
    /// Output `i` over time.
    fn row(&self, i: usize) -> &[f64] {
        let nt = *self.shape.last().unwrap();
        &self.data[i * nt..(i + 1) * nt]
    }
    fn outputs(&self) -> usize {
        self.shape[..self.shape.len() - 1].iter().product()
    }
    fn label(&self) -> String {
        let method = self.json.get("method").and_then(Value::as_str);
        match method {
            Some(m) => format!("{} — {} ({m})", self.name, self.ty),
            None => format!("{} — {}", self.name, self.ty),
        }
    }
}

struct Run {
    dir: PathBuf,
    t: Vec<f64>,
    /// Each stimulus electrode's name and current (nA) per sample.
    stimuli: Vec<(String, Vec<f64>)>,
    soma_v: Option<Vec<f64>>,
    probes: Vec<ProbeData>,
    segments: Option<u64>,
    soma_position: Option<[f64; 3]>,
}

fn read_npy(path: &Path) -> Result<(Vec<usize>, Vec<f64>), String> {
    if !path.is_file() {
        return Err(format!("{}: file not found", path.display()));
    }
    let arr: ArrayD<f64> = ndarray_npy::read_npy(path).map_err(|e| format!("{}: not a readable float64 .npy array: {e}", path.display()))?;
    Ok((arr.shape().to_vec(), arr.iter().copied().collect()))
}

fn shape_str(s: &[usize]) -> String {
    format!("({})", s.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", "))
}

fn load(dir: &Path) -> Result<Run, String> {
    if !dir.exists() {
        return Err(format!("{}: no such folder", dir.display()));
    }
    if !dir.is_dir() {
        return Err(format!("{}: not a folder (give the --out folder of `nerve run`)", dir.display()));
    }
    let meta_path = dir.join("meta.json");
    if !meta_path.is_file() {
        return Err(format!("{}: no meta.json here; expected the output folder of `nerve run --probes FILE --out DIR`", dir.display()));
    }
    let text = std::fs::read_to_string(&meta_path).map_err(|e| format!("{}: {e}", meta_path.display()))?;
    let meta: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", meta_path.display()))?;
    let meta = meta.as_object().ok_or_else(|| format!("{}: must hold a JSON object", meta_path.display()))?;
    if let Some(runs) = meta.get("runs").and_then(Value::as_array) {
        let names: Vec<&str> = runs.iter().filter_map(Value::as_str).collect();
        return Err(format!("{}: the script ran {} times; plot one run's folder ({})", dir.display(), names.len(), names.iter().map(|n| dir.join(n).display().to_string()).collect::<Vec<_>>().join(", ")));
    }

    let (tshape, t) = read_npy(&dir.join("t.npy"))?;
    if tshape.len() != 1 {
        return Err(format!("{}: expected shape (T,), found {}", dir.join("t.npy").display(), shape_str(&tshape)));
    }
    let nt = t.len();
    if nt < 2 {
        return Err(format!("{}: holds {nt} time step(s); nothing to plot", dir.join("t.npy").display()));
    }
    if t.iter().any(|v| !v.is_finite()) || t[nt - 1] <= t[0] {
        return Err(format!("{}: times must be finite and increasing", dir.join("t.npy").display()));
    }

    let soma_path = dir.join("soma_v.npy");
    let soma_v = if soma_path.exists() {
        let (s, v) = read_npy(&soma_path)?;
        if s != [nt] {
            return Err(format!("{}: expected shape ({nt},) like t.npy, found {}", soma_path.display(), shape_str(&s)));
        }
        Some(v)
    } else {
        None
    };

    let list = match meta.get("probes") {
        None => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(format!("{}: field 'probes' must be a list", meta_path.display())),
    };
    let mut probes = Vec::new();
    for (k, p) in list.iter().enumerate() {
        let name = p.get("name").and_then(Value::as_str).ok_or_else(|| format!("{}: probe {k} has no string field 'name'", meta_path.display()))?;
        if name.is_empty() || name.contains(['/', '\\']) {
            return Err(format!("{}: probe name '{name}' is not a file name", meta_path.display()));
        }
        let ty = p.get("type").and_then(Value::as_str).unwrap_or("").to_string();
        // The segments' geometry has no time axis to draw; a probe sampled
        // at its own record_dt has other times than t.npy.
        if ty == "geometry" || p.get("t").is_some() {
            continue;
        }
        let units = p.get("units").and_then(Value::as_str).unwrap_or("").to_string();
        let path = dir.join(format!("{name}.npy"));
        let (shape, data) = read_npy(&path)?;
        if shape.len() < 2 {
            return Err(format!("probe '{name}': {} has shape {}; expected (outputs..., {nt})", path.display(), shape_str(&shape)));
        }
        if shape[shape.len() - 1] != nt {
            return Err(format!("probe '{name}': {} has {} time steps along its last axis, t.npy has {nt}", path.display(), shape[shape.len() - 1]));
        }
        if let Some(ms) = p.get("shape") {
            let ms: Option<Vec<usize>> = ms.as_array().and_then(|a| a.iter().map(|v| v.as_u64().map(|n| n as usize)).collect());
            if ms.as_deref() != Some(&shape[..]) {
                return Err(format!("probe '{name}': {} has shape {}, meta.json says {}", path.display(), shape_str(&shape), p["shape"]));
            }
        }
        probes.push(ProbeData { name: name.to_string(), ty, units, shape, data, json: p.clone() });
    }
    let mut stimuli = Vec::new();
    if let Some(list) = meta.get("stimuli") {
        let list = list.as_array().ok_or_else(|| format!("{}: field 'stimuli' must be a list", meta_path.display()))?;
        for (k, s) in list.iter().enumerate() {
            let name = s.get("name").and_then(Value::as_str).ok_or_else(|| format!("{}: stimulus {k} has no string field 'name'", meta_path.display()))?;
            if name.is_empty() || name.contains(['/', '\\']) {
                return Err(format!("{}: stimulus name '{name}' is not a file name", meta_path.display()));
            }
            let path = dir.join(format!("stimulus_{name}.npy"));
            let (shape, data) = read_npy(&path)?;
            if shape != [nt] {
                return Err(format!("{}: expected shape ({nt},) like t.npy, found {}", path.display(), shape_str(&shape)));
            }
            stimuli.push((name.to_string(), data));
        }
    }
    if probes.is_empty() && soma_v.is_none() && stimuli.is_empty() {
        return Err(format!("{}: nothing to plot (no probes in meta.json and no soma_v.npy)", dir.display()));
    }
    let soma_position = meta.get("soma_position").and_then(Value::as_array).and_then(|a| {
        let v: Option<Vec<f64>> = a.iter().map(Value::as_f64).collect();
        v.filter(|v| v.len() == 3).map(|v| [v[0], v[1], v[2]])
    });
    Ok(Run { dir: dir.to_path_buf(), t, stimuli, soma_v, probes, segments: meta.get("segments").and_then(Value::as_u64), soma_position })
}

// ---------------------------------------------------------------- figure model

struct Series {
    label: String,
    color: RGBColor,
    y: Vec<f64>,
}

struct Row {
    label: String,
    lines: Vec<(RGBColor, Vec<f64>)>,
}

struct Cell {
    lo: f64,
    hi: f64,
    y: Vec<f64>,
}

enum Kind {
    /// Overlaid lines, on a y axis of the quantity.
    Lines(Vec<Series>),
    /// One row per output, all to one scale, with a scale bar.
    Stack { rows: Vec<Row>, legend: Vec<(String, RGBColor)> },
    /// Depth × time colour map, with a colour bar.
    Map(Vec<Cell>),
}

struct Panel {
    title: String,
    /// Symbol of the quantity, e.g. "φ"; the axis or bar shows "φ (µV)".
    quantity: String,
    units: String,
    /// y axis description of stacks and maps (e.g. "z (µm)").
    axis: String,
    kind: Kind,
}

impl Panel {
    fn height(&self) -> u32 {
        let plot = match &self.kind {
            Kind::Lines(_) => 150,
            Kind::Stack { rows, legend } => (rows.len() as u32 * 24 + 24).clamp(if legend.is_empty() { 110 } else { 150 }, 600),
            Kind::Map(cells) => (cells.len() as u32 * 16).clamp(200, 300),
        };
        TITLE + MARGIN_TOP + plot + X_LABELS + PAD
    }
}

struct Figure {
    header: String,
    t: Vec<f64>,
    columns: Vec<Vec<Panel>>,
}

impl Figure {
    fn size(&self) -> (u32, u32) {
        let h = self.columns.iter().map(|c| c.iter().map(Panel::height).sum::<u32>()).max().unwrap_or(0);
        (COLUMN * self.columns.len().max(1) as u32, HEADER + h.max(100))
    }
}

/// Contact positions of an electrode probe, when given as x, y, z lists.
fn contacts(p: &ProbeData, n: usize) -> Option<Vec<[f64; 3]>> {
    let list = |k: &str| -> Option<Vec<f64>> { p.json.get(k)?.as_array()?.iter().map(Value::as_f64).collect() };
    match (list("x"), list("y"), list("z")) {
        (Some(x), Some(y), Some(z)) if x.len() == n && y.len() == n && z.len() == n => Some((0..n).map(|i| [x[i], y[i], z[i]]).collect()),
        _ if p.ty == "RecMEAElectrode" && n == 1 && p.json.get("x").is_none() => Some(vec![[0.0; 3]]),
        _ => None,
    }
}

/// The largest set of contacts sharing x and y (ties: nearest the soma in
/// x, y), sorted by z, without repeated z.
fn linear_group(c: &[[f64; 3]], center: [f64; 3]) -> Vec<usize> {
    let mut groups: Vec<((u64, u64), Vec<usize>)> = Vec::new();
    for (i, p) in c.iter().enumerate() {
        let key = (p[0].to_bits(), p[1].to_bits());
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    let dist = |i: usize| (c[i][0] - center[0]).hypot(c[i][1] - center[1]);
    let mut best: Option<Vec<usize>> = None;
    for (_, g) in groups {
        let better = match &best {
            None => true,
            Some(b) => g.len() > b.len() || (g.len() == b.len() && dist(g[0]) < dist(b[0])),
        };
        if better {
            best = Some(g);
        }
    }
    let mut g = best.unwrap_or_default();
    g.sort_by(|&a, &b| c[a][2].total_cmp(&c[b][2]));
    g.dedup_by(|a, b| c[*a][2] == c[*b][2]);
    g
}

fn num(v: f64) -> String {
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn build(run: &Run) -> Result<Figure, String> {
    let nt = run.t.len();
    let center = run.soma_position.unwrap_or([0.0; 3]);
    let mut left = Vec::new();
    let mut right = Vec::new();
    if !run.stimuli.is_empty() {
        let series = run.stimuli.iter().enumerate().map(|(k, (name, i))| Series { label: name.clone(), color: TAB10[k % TAB10.len()], y: i.clone() }).collect();
        left.push(Panel { title: "stimulus electrodes — current".into(), quantity: "I".into(), units: "nA".into(), axis: String::new(), kind: Kind::Lines(series) });
    }
    if let Some(v) = &run.soma_v {
        left.push(Panel {
            title: "soma — membrane potential".into(),
            quantity: "V".into(),
            units: "mV".into(),
            axis: String::new(),
            kind: Kind::Lines(vec![Series { label: "soma".into(), color: RGBColor(0, 0, 0), y: v.clone() }]),
        });
    }

    // The depth map: the electrode probe with the most contacts on one line.
    let mut map: Option<(usize, Vec<usize>)> = None;
    for (k, p) in run.probes.iter().enumerate() {
        if !ELECTRODES.contains(&p.ty.as_str()) || p.shape.len() != 2 {
            continue;
        }
        if let Some(c) = contacts(p, p.outputs()) {
            let g = linear_group(&c, center);
            if g.len() >= 3 && map.as_ref().is_none_or(|m| g.len() > m.1.len()) {
                map = Some((k, g));
            }
        }
    }
    if let Some((k, g)) = &map {
        let p = &run.probes[*k];
        let c = contacts(p, p.outputs()).unwrap();
        let zs: Vec<f64> = g.iter().map(|&i| c[i][2]).collect();
        let cells = g
            .iter()
            .enumerate()
            .map(|(j, &i)| {
                let lo = if j == 0 { zs[0] - (zs.get(1).copied().unwrap_or(zs[0] + 1.0) - zs[0]) / 2.0 } else { (zs[j - 1] + zs[j]) / 2.0 };
                let hi = if j + 1 == zs.len() { zs[j] + (zs[j] - zs[j.saturating_sub(1)]) / 2.0 } else { (zs[j] + zs[j + 1]) / 2.0 };
                Cell { lo, hi, y: p.row(i).to_vec() }
            })
            .collect();
        let on = format!("x = {}, y = {} µm", num(c[g[0]][0]), num(c[g[0]][1]));
        let of = if g.len() < p.outputs() { format!("{} of {} contacts", g.len(), p.outputs()) } else { format!("{} contacts", g.len()) };
        right.push(Panel { title: format!("{}: {of} at {on}", p.label()), quantity: "φ".into(), units: p.units.clone(), axis: "z (µm)".into(), kind: Kind::Map(cells) });
    }

    for p in &run.probes {
        let ty = p.ty.as_str();
        let n = p.outputs();
        let bad_shape = |want: &str| Err(format!("probe '{}' ({ty}): expected shape {want}, found {}", p.name, shape_str(&p.shape)));
        if ELECTRODES.contains(&ty) {
            if p.shape.len() != 2 {
                return bad_shape(&format!("(contacts, {nt})"));
            }
            left.push(electrode_stack(p, center));
        } else if ty == "CurrentDipoleMoment" {
            if p.shape != [3, nt] {
                return bad_shape(&format!("(3, {nt})"));
            }
            let series = (0..3).map(|i| Series { label: format!("P{}", ["x", "y", "z"][i]), color: TAB10[i], y: p.row(i).to_vec() }).collect();
            right.push(Panel { title: format!("{} — current dipole moment", p.name), quantity: "P".into(), units: p.units.clone(), axis: String::new(), kind: Kind::Lines(series) });
        } else if EEG.contains(&ty) {
            if p.shape.len() != 2 {
                return bad_shape(&format!("(electrodes, {nt})"));
            }
            let title = format!("{} — EEG ({ty}), {n} electrode{}", p.name, if n == 1 { "" } else { "s" });
            if n <= 8 {
                let names = position_labels(p, n);
                let series = (0..n).map(|i| Series { label: names[i].clone(), color: TAB10[i % 10], y: p.row(i).to_vec() }).collect();
                right.push(Panel { title, quantity: "φ".into(), units: p.units.clone(), axis: String::new(), kind: Kind::Lines(series) });
            } else {
                let (rows, note) = index_rows(p, n);
                right.push(Panel { title: title + &note, quantity: "φ".into(), units: p.units.clone(), axis: "electrode".into(), kind: Kind::Stack { rows, legend: Vec::new() } });
            }
        } else if MEG.contains(&ty) {
            if p.shape.len() != 3 || p.shape[1] != 3 {
                return bad_shape(&format!("(sensors, 3, {nt})"));
            }
            let sensors = p.shape[0];
            let step = sensors.div_ceil(MAX_TRACES).max(1);
            // B = µ0·H; H in nA/µm = 1e-3 A/m, B in T, drawn in fT.
            let mu = p.json.get("mu").and_then(Value::as_f64).unwrap_or(field::meg::MU_0);
            let to_ft = mu * 1e-3 * 1e15;
            let names = position_labels(p, sensors);
            let rows = (0..sensors)
                .step_by(step)
                .map(|s| Row { label: names[s].clone(), lines: (0..3).map(|c| (TAB10[c], p.row(s * 3 + c).iter().map(|h| h * to_ft).collect())).collect() })
                .rev()
                .collect::<Vec<_>>();
            let note = if step > 1 { format!(" ({} of {sensors})", every(step)) } else { String::new() };
            let legend = ["Bx", "By", "Bz"].iter().enumerate().map(|(c, l)| (l.to_string(), TAB10[c])).collect();
            right.push(Panel {
                title: format!("{} — MEG ({ty}), B = µ0·H at {sensors} sensor{}{note}", p.name, if sensors == 1 { "" } else { "s" }),
                quantity: "B".into(),
                units: "fT".into(),
                axis: "sensor".into(),
                kind: Kind::Stack { rows, legend },
            });
        } else if ty == "LaminarCurrentSourceDensity" {
            if p.shape.len() != 2 {
                return bad_shape(&format!("(bins, {nt})"));
            }
            let bins: Option<Vec<(f64, f64)>> = p.json.get("z").and_then(Value::as_array).and_then(|a| {
                a.iter().map(|b| {
                    let b = b.as_array()?;
                    Some((b.first()?.as_f64()?, b.get(1)?.as_f64()?))
                })
                .collect()
            });
            match bins.filter(|b| b.len() == n && b.iter().all(|(lo, hi)| lo < hi)) {
                Some(b) => {
                    let mut cells: Vec<Cell> = b.iter().enumerate().map(|(i, &(lo, hi))| Cell { lo, hi, y: p.row(i).to_vec() }).collect();
                    cells.sort_by(|a, b| (a.lo + a.hi).total_cmp(&(b.lo + b.hi)));
                    right.push(Panel { title: format!("{} — CSD ({ty}), {n} bins", p.name), quantity: "CSD".into(), units: p.units.clone(), axis: "z (µm)".into(), kind: Kind::Map(cells) });
                }
                None => {
                    let (rows, note) = index_rows(p, n);
                    right.push(Panel { title: format!("{}{note}", p.label()), quantity: "CSD".into(), units: p.units.clone(), axis: "bin".into(), kind: Kind::Stack { rows, legend: Vec::new() } });
                }
            }
        } else if p.shape.len() == 2 {
            // Any other probe of one axis of outputs: its traces.
            let (rows, note) = index_rows(p, n);
            left.push(Panel { title: format!("{}{note}", p.label()), quantity: String::new(), units: p.units.clone(), axis: "output".into(), kind: Kind::Stack { rows, legend: Vec::new() } });
        } else {
            eprintln!("nerve plot: probe '{}' ({ty}, shape {}) is not plotted", p.name, shape_str(&p.shape));
        }
    }
    let columns = if left.is_empty() || right.is_empty() {
        vec![left.into_iter().chain(right).collect()]
    } else {
        vec![left, right]
    };
    let mut header = format!("{}", run.dir.display());
    if let Some(s) = run.segments {
        header += &format!("  ·  {s} segments");
    }
    header += &format!("  ·  {nt} time steps, t = {} – {} ms", num(run.t[0]), num(run.t[nt - 1]));
    Ok(Figure { header, t: run.t.clone(), columns })
}

/// "every 2nd", "every 3rd", "every 5th", …
fn every(step: usize) -> String {
    let suffix = match (step % 10, step % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("every {step}{suffix}")
}

/// Labels of a probe's outputs: their positions when probes.json gives one
/// per output (`r_electrodes`, `r`, `sensor_locations`; in mm from 10 mm
/// on), else their indices.
fn position_labels(p: &ProbeData, n: usize) -> Vec<String> {
    let points: Option<Vec<[f64; 3]>> = ["r_electrodes", "sensor_locations", "r"].iter().find_map(|k| {
        let a = p.json.get(*k)?.as_array()?;
        a.iter().map(|q| {
            let q = q.as_array()?;
            (q.len() == 3).then_some(())?;
            Some([q[0].as_f64()?, q[1].as_f64()?, q[2].as_f64()?])
        })
        .collect()
    });
    match points.filter(|pts| pts.len() == n) {
        Some(pts) => {
            let mm = pts.iter().flatten().any(|v| v.abs() >= 10_000.0);
            let (f, unit) = if mm { (1e-3, "mm") } else { (1.0, "µm") };
            pts.iter().map(|q| format!("{}, {}, {} {unit}", num(q[0] * f), num(q[1] * f), num(q[2] * f))).collect()
        }
        None => (0..n).map(|i| format!("#{i}")).collect(),
    }
}

/// Rows of outputs in index order (top to bottom), thinned to MAX_TRACES.
fn index_rows(p: &ProbeData, n: usize) -> (Vec<Row>, String) {
    let step = n.div_ceil(MAX_TRACES).max(1);
    let names = position_labels(p, n);
    let rows = (0..n).step_by(step).map(|i| Row { label: names[i].clone(), lines: vec![(RGBColor(0, 0, 0), p.row(i).to_vec())] }).rev().collect();
    let note = if step > 1 { format!(" ({} of {n})", every(step)) } else { String::new() };
    (rows, note)
}

/// Stacked traces of an electrode probe: on one vertical line, by depth;
/// otherwise by contact index.
fn electrode_stack(p: &ProbeData, center: [f64; 3]) -> Panel {
    let n = p.outputs();
    let c = contacts(p, n);
    let group = c.as_ref().map(|c| linear_group(c, center)).unwrap_or_default();
    let trace = |i: usize| vec![(RGBColor(0, 0, 0), p.row(i).to_vec())];
    let c_ref = c.as_deref().unwrap_or(&[]);
    let (rows, axis, note): (Vec<Row>, &str, String) = if group.len() == n && n >= 2 {
        let step = n.div_ceil(MAX_TRACES);
        let rows = group.iter().step_by(step).map(|&i| Row { label: num(c_ref[i][2]), lines: trace(i) }).collect();
        let note = format!(": {n} contacts at x = {}, y = {} µm{}", num(c_ref[group[0]][0]), num(c_ref[group[0]][1]), if step > 1 { format!(", {} shown", every(step)) } else { String::new() });
        (rows, "z (µm)", note)
    } else if n > MAX_TRACES && group.len() >= 3 {
        let step = group.len().div_ceil(MAX_TRACES);
        let rows = group.iter().step_by(step).map(|&i| Row { label: num(c_ref[i][2]), lines: trace(i) }).collect::<Vec<_>>();
        let note = format!(": {} of {n} contacts, at x = {}, y = {} µm", rows.len(), num(c_ref[group[0]][0]), num(c_ref[group[0]][1]));
        (rows, "z (µm)", note)
    } else {
        let (rows, note) = index_rows(p, n);
        (rows, "contact", if note.is_empty() { format!(", {n} contact{}", if n == 1 { "" } else { "s" }) } else { note })
    };
    Panel { title: format!("{}{note}", p.label()), quantity: "φ".into(), units: p.units.clone(), axis: axis.into(), kind: Kind::Stack { rows, legend: Vec::new() } }
}

// ---------------------------------------------------------------- units and numbers

/// Scales values of `unit` whose largest magnitude is `maxabs` into [1, 1000)
/// by changing the unit's SI prefix: 0.0012 mV → 1.2 µV.
fn rescale(unit: &str, maxabs: f64) -> (f64, String) {
    if !(maxabs > 0.0 && maxabs.is_finite()) {
        return (1.0, unit.to_string());
    }
    let k = (maxabs.log10() / 3.0).floor() as i32;
    if k == 0 {
        return (1.0, unit.to_string());
    }
    const LADDER: [&str; 10] = ["a", "f", "p", "n", "µ", "m", "", "k", "M", "G"];
    let mut chars = unit.chars();
    let first = chars.next().map(|c| c.to_string()).unwrap_or_default();
    let rest = chars.as_str();
    let is_base = |s: &str| s.starts_with('V') || s.starts_with('A') || s.starts_with('T');
    let (idx, base) = if LADDER.contains(&first.as_str()) && !first.is_empty() && is_base(rest) {
        (LADDER.iter().position(|p| *p == first).unwrap() as i32, rest)
    } else if is_base(unit) {
        (6, unit)
    } else {
        return power_of_ten(unit, k);
    };
    let new = idx + k;
    if !(0..LADDER.len() as i32).contains(&new) {
        return power_of_ten(unit, k);
    }
    (10f64.powi(3 * k), format!("{}{base}", LADDER[new as usize]))
}

fn power_of_ten(unit: &str, k: i32) -> (f64, String) {
    let p = format!("×10{}", superscript(3 * k));
    (10f64.powi(3 * k), if unit.is_empty() { p } else { format!("{p} {unit}") })
}

fn superscript(n: i32) -> String {
    n.to_string().chars().map(|c| match c {
        '-' => '⁻',
        d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'][d.to_digit(10).unwrap_or(0) as usize],
    })
    .collect()
}

/// A tick label with as many decimals as ticks `step` apart need.
fn tick(v: f64, step: f64) -> String {
    let d = if step > 0.0 && step.is_finite() { (-(step.log10().floor())).clamp(0.0, 9.0) as usize } else { 0 };
    let s = format!("{:.*}", d, v);
    // no "-0.0"
    if s.parse::<f64>() == Ok(0.0) { format!("{:.*}", d, 0.0) } else { s }
}

/// The step between the ticks plotters puts on `lo..hi` when asked for at
/// most `labels` labels (its key-point search for f64 ranges, replayed),
/// so that every tick label gets the decimals its step needs.
fn label_step(lo: f64, hi: f64, labels: usize) -> f64 {
    let (lo, hi) = (lo.min(hi), hi.max(lo));
    if !(hi - lo > f64::EPSILON && lo.is_finite() && hi.is_finite()) || labels == 0 {
        return 1.0;
    }
    let rem = |a: f64, b: f64| {
        let r = a - (a / b).floor() * b;
        if (r - b).abs() < f64::EPSILON { 0.0 } else { r }
    };
    let mut scale = 10f64.powf((hi - lo).log10().floor());
    if 1 + ((hi - lo) / scale).floor() as usize > labels {
        scale *= 10.0;
    }
    for _ in 0..64 {
        let old = scale;
        for nxt in [2.0, 5.0, 10.0] {
            let mut left = lo - rem(lo, old / nxt);
            if left < lo {
                left += old / nxt;
            }
            let right = hi - rem(hi, old / nxt);
            let n = 1.0 + (right - left) / old * nxt;
            if n.round() as usize > labels {
                return scale;
            }
            scale = old / nxt;
        }
        scale = old / 10.0;
    }
    scale
}

/// A 1-2-5 value not above `v`.
fn nice_below(v: f64) -> f64 {
    let e = 10f64.powf(v.log10().floor());
    for m in [5.0, 2.0, 1.0] {
        if m * e <= v {
            return m * e;
        }
    }
    e
}

fn max_abs<'a>(it: impl IntoIterator<Item = &'a f64>) -> f64 {
    it.into_iter().filter(|v| v.is_finite()).fold(0.0, |m, v| m.max(v.abs()))
}

fn colormap(x: f64) -> RGBColor {
    let x = x.clamp(0.0, 1.0) * (RDBU_R.len() - 1) as f64;
    let i = (x.floor() as usize).min(RDBU_R.len() - 2);
    let f = x - i as f64;
    let (a, b) = (RDBU_R[i], RDBU_R[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Polylines of (t, f(y)), reduced to min/max per bucket when long, broken
/// at values that are not finite.
fn polylines(t: &[f64], y: &[f64], f: impl Fn(f64) -> f64) -> Vec<Vec<(f64, f64)>> {
    let n = t.len().min(y.len());
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut push = |i: Option<usize>, cur: &mut Vec<(f64, f64)>| match i {
        Some(i) => cur.push((t[i], f(y[i]))),
        None => {
            if cur.len() > 1 {
                out.push(std::mem::take(cur));
            } else {
                cur.clear();
            }
        }
    };
    if n <= 2 * LINE_BUCKETS {
        for (i, v) in y[..n].iter().enumerate() {
            push(v.is_finite().then_some(i), &mut cur);
        }
    } else {
        for b in 0..LINE_BUCKETS {
            let (lo, hi) = (b * n / LINE_BUCKETS, (b + 1) * n / LINE_BUCKETS);
            let mut mn: Option<usize> = None;
            let mut mx: Option<usize> = None;
            for i in lo..hi {
                if !y[i].is_finite() {
                    continue;
                }
                if mn.is_none_or(|m| y[i] < y[m]) {
                    mn = Some(i);
                }
                if mx.is_none_or(|m| y[i] > y[m]) {
                    mx = Some(i);
                }
            }
            match (mn, mx) {
                (Some(a), Some(b)) => {
                    push(Some(a.min(b)), &mut cur);
                    if a != b {
                        push(Some(a.max(b)), &mut cur);
                    }
                }
                _ => push(None, &mut cur),
            }
        }
    }
    push(None, &mut cur);
    out
}

// ---------------------------------------------------------------- drawing

/// Box-filters an RGB image of (w·s) × (h·s) pixels down to w × h.
fn downsample(big: &[u8], w: usize, h: usize, s: usize) -> Vec<u8> {
    let bw = w * s;
    let mut out = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut sum = 0u32;
                for dy in 0..s {
                    for dx in 0..s {
                        sum += big[((y * s + dy) * bw + x * s + dx) * 3 + c] as u32;
                    }
                }
                out[(y * w + x) * 3 + c] = ((sum + (s * s / 2) as u32) / (s * s) as u32) as u8;
            }
        }
    }
    out
}

type Area<DB> = DrawingArea<DB, Shift>;

fn de<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing failed: {e:?}")
}

fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&BLACK)
}

fn grid(k: u32) -> ShapeStyle {
    RGBAColor(0, 0, 0, 0.09).stroke_width(k)
}

fn draw<DB: DrawingBackend>(root: &Area<DB>, fig: &Figure, k: u32) -> Result<(), String> {
    root.fill(&WHITE).map_err(de)?;
    let (head, body) = root.split_vertically(HEADER * k);
    head.draw(&Text::new(fig.header.clone(), (20 * k as i32, 14 * k as i32), font(17 * k))).map_err(de)?;
    let cols: Vec<Area<DB>> = if fig.columns.len() == 2 {
        let (l, r) = body.split_horizontally(COLUMN * k);
        vec![l, r]
    } else {
        vec![body]
    };
    for (col, panels) in cols.iter().zip(&fig.columns) {
        let mut rest = col.clone();
        for p in panels {
            let (a, r) = rest.split_vertically(p.height() * k);
            draw_panel(&a, p, &fig.t, k)?;
            rest = r;
        }
    }
    Ok(())
}

/// Splits a panel into its title strip, plot area and right gutter.
fn frame<DB: DrawingBackend>(area: &Area<DB>, title: &str, k: u32) -> Result<(Area<DB>, Area<DB>), String> {
    let area = area.margin(0, PAD * k, 0, 0);
    let (head, body) = area.split_vertically(TITLE * k);
    head.draw(&Text::new(title.to_string(), (((Y_LABELS + 8) * k) as i32, (6 * k) as i32), font(15 * k))).map_err(de)?;
    let w = body.dim_in_pixel().0;
    Ok(body.split_horizontally(w.saturating_sub(GUTTER * k)))
}

/// A chart of time (t0..t1, ms) against lo..hi in a panel's plot area, its
/// axes drawn with `ylabels` ticks and, when `lines`, faint grid lines.
#[allow(clippy::type_complexity)]
fn time_chart<'a, DB: DrawingBackend>(
    area: &'a Area<DB>,
    k: u32,
    (t0, t1, xfmt): (f64, f64, &dyn Fn(&f64) -> String),
    (lo, hi, ylabels, yfmt): (f64, f64, usize, &dyn Fn(&f64) -> String),
    ydesc: String,
    lines: bool,
) -> Result<ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>, String> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(MARGIN_TOP * k)
        .margin_right(10 * k)
        .margin_left(12 * k)
        .x_label_area_size(X_LABELS * k)
        .y_label_area_size(Y_LABELS * k)
        .build_cartesian_2d(t0..t1, lo..hi)
        .map_err(de)?;
    let mut mesh = chart.configure_mesh();
    if lines {
        mesh.bold_line_style(grid(k)).light_line_style(TRANSPARENT);
    } else {
        mesh.disable_mesh();
    }
    mesh.x_labels(10)
        .y_labels(ylabels)
        .x_label_formatter(xfmt)
        .y_label_formatter(yfmt)
        .x_desc("t (ms)")
        .y_desc(ydesc)
        .label_style(font(12 * k))
        .axis_desc_style(font(13 * k))
        .draw()
        .map_err(de)?;
    Ok(chart)
}

fn draw_panel<DB: DrawingBackend>(area: &Area<DB>, p: &Panel, t: &[f64], k: u32) -> Result<(), String> {
    let title = match &p.kind {
        Kind::Map(_) => format!("{} (colour: symmetric log, linear within {} of the largest)", p.title, SYMLOG_LINEAR),
        _ => p.title.clone(),
    };
    let (main, gutter) = frame(area, &title, k)?;
    let (t0, t1) = (t[0], t[t.len() - 1]);
    let tstep = label_step(t0, t1, 10);
    let xfmt = |v: &f64| tick(*v, tstep);
    let desc = |unit: &str| if p.quantity.is_empty() { unit.to_string() } else { format!("{} ({unit})", p.quantity) };
    match &p.kind {
        Kind::Lines(series) => {
            let m = max_abs(series.iter().flat_map(|s| s.y.iter()));
            let (f, unit) = rescale(&p.units, m);
            let vals = || series.iter().flat_map(|s| s.y.iter()).filter(|v| v.is_finite()).map(|v| v / f);
            let (mut lo, mut hi) = (vals().fold(f64::INFINITY, f64::min), vals().fold(f64::NEG_INFINITY, f64::max));
            if !lo.is_finite() {
                (lo, hi) = (-1.0, 1.0);
            }
            if hi - lo <= 1e-12 * lo.abs().max(1.0) {
                let d = (lo.abs() * 0.05).max(1e-3);
                (lo, hi) = (lo - d, hi + d);
            }
            let pad = (hi - lo) * 0.06;
            let (lo, hi) = (lo - pad, hi + pad);
            let ystep = label_step(lo, hi, 6);
            let yfmt = |v: &f64| tick(*v, ystep);
            let mut chart = time_chart(&main, k, (t0, t1, &xfmt), (lo, hi, 6, &yfmt), desc(&unit), true)?;
            for s in series {
                for line in polylines(t, &s.y, |v| v / f) {
                    chart.draw_series(std::iter::once(PathElement::new(line, s.color.stroke_width(2 * k)))).map_err(de)?;
                }
            }
            if series.len() > 1 {
                legend(&gutter, &series.iter().map(|s| (s.label.clone(), s.color)).collect::<Vec<_>>(), k)?;
            }
        }
        Kind::Stack { rows, legend: items } => {
            let n = rows.len();
            let m = max_abs(rows.iter().flat_map(|r| r.lines.iter().flat_map(|l| l.1.iter())));
            let gain = if m > 0.0 { 0.9 / m } else { 0.0 };
            let (lo, hi) = (-0.9, n as f64 - 0.1);
            let yfmt = |v: &f64| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n { rows[i as usize].label.clone() } else { String::new() }
            };
            // n + 2 labels at most: plotters then steps by 1, one per row
            let mut chart = time_chart(&main, k, (t0, t1, &xfmt), (lo, hi, n + 2, &yfmt), p.axis.clone(), true)?;
            for (row, r) in rows.iter().enumerate() {
                for (color, y) in &r.lines {
                    for line in polylines(t, y, |v| row as f64 + v * gain) {
                        chart.draw_series(std::iter::once(PathElement::new(line, color.stroke_width(k)))).map_err(de)?;
                    }
                }
            }
            // Scale bar in the gutter, on the same y coordinates.
            let mut g = ChartBuilder::on(&gutter).margin_top(MARGIN_TOP * k).x_label_area_size(X_LABELS * k).build_cartesian_2d(0.0..1.0, lo..hi).map_err(de)?;
            let mid = if items.is_empty() { (lo + hi) / 2.0 } else { lo + (hi - lo) * 0.3 };
            if m > 0.0 {
                let bar = nice_below(m);
                let (f, unit) = rescale(&p.units, bar);
                let half = bar * gain / 2.0;
                g.draw_series(std::iter::once(PathElement::new(vec![(0.1, mid - half), (0.1, mid + half)], BLACK.stroke_width(3 * k)))).map_err(de)?;
                let label = format!("{} {unit}", tick(bar / f, bar / f));
                g.draw_series(std::iter::once(Text::new(label, (0.18, mid), font(13 * k).pos(Pos::new(HPos::Left, VPos::Center))))).map_err(de)?;
            } else {
                g.draw_series(std::iter::once(Text::new("all zero", (0.1, mid), font(13 * k).pos(Pos::new(HPos::Left, VPos::Center))))).map_err(de)?;
            }
            if !items.is_empty() {
                legend(&gutter, items, k)?;
            }
        }
        Kind::Map(cells) => {
            let m = max_abs(cells.iter().flat_map(|c| c.y.iter()));
            let (f, unit) = rescale(&p.units, m);
            let vmax = if m > 0.0 { m / f } else { 1.0 };
            let scale = SymLog::new(vmax);
            let lo = cells.iter().map(|c| c.lo).fold(f64::INFINITY, f64::min);
            let hi = cells.iter().map(|c| c.hi).fold(f64::NEG_INFINITY, f64::max);
            let zstep = label_step(lo, hi, 8);
            let yfmt = |v: &f64| tick(*v, zstep);
            let mut chart = time_chart(&main, k, (t0, t1, &xfmt), (lo, hi, 8, &yfmt), p.axis.clone(), false)?;
            let nt = t.len();
            let ncol = nt.min(MAP_COLUMNS);
            let mut rects = Vec::with_capacity(ncol * cells.len());
            for j in 0..ncol {
                let (a, b) = (j * nt / ncol, (j + 1) * nt / ncol);
                let (x0, x1) = (t[a], if b < nt { t[b] } else { t[nt - 1] });
                for c in cells {
                    let vals = c.y[a..b].iter().filter(|v| v.is_finite());
                    let (sum, cnt) = vals.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
                    let color = if cnt == 0 { RGBColor(200, 200, 200) } else { colormap((scale.of(sum / cnt as f64 / f) + 1.0) / 2.0) };
                    rects.push(Rectangle::new([(x0, c.lo), (x1, c.hi)], color.filled()));
                }
            }
            chart.draw_series(rects).map_err(de)?;
            // Frame over the cells.
            chart.draw_series(std::iter::once(Rectangle::new([(t0, lo), (t1, hi)], BLACK.stroke_width(k)))).map_err(de)?;
            // Colour bar, symmetric about zero, labelled in values.
            let vfmt = |v: &f64| two_digits(scale.value(*v));
            let mut bar = ChartBuilder::on(&gutter)
                .margin_top(MARGIN_TOP * k)
                .margin_left(10 * k)
                .margin_right(34 * k)
                .x_label_area_size(X_LABELS * k)
                .right_y_label_area_size(62 * k)
                .build_cartesian_2d(0.0..1.0, -1.0..1.0)
                .map_err(de)?;
            bar.configure_mesh()
                .disable_mesh()
                .disable_x_axis()
                .y_labels(7)
                .y_label_formatter(&vfmt)
                .label_style(font(12 * k))
                .axis_desc_style(font(13 * k))
                .draw()
                .map_err(de)?;
            let steps = 128;
            bar.draw_series((0..steps).map(|i| {
                let (a, b) = (i as f64 / steps as f64, (i + 1) as f64 / steps as f64);
                Rectangle::new([(0.0, 2.0 * a - 1.0), (1.0, 2.0 * b - 1.0)], colormap((a + b) / 2.0).filled())
            }))
            .map_err(de)?;
            bar.draw_series(std::iter::once(Rectangle::new([(0.0, -1.0), (1.0, 1.0)], BLACK.stroke_width(k)))).map_err(de)?;
            let (xs, ys) = bar.plotting_area().get_pixel_range();
            let base = gutter.get_base_pixel();
            let style = font(13 * k).transform(FontTransform::Rotate270).pos(Pos::new(HPos::Center, VPos::Center));
            let at = (xs.end - base.0 + (52 * k) as i32, (ys.start + ys.end) / 2 - base.1);
            gutter.draw(&Text::new(desc(&unit), at, style)).map_err(de)?;
        }
    }
    Ok(())
}

/// Fraction of the largest value below which the map's colours are linear.
const SYMLOG_LINEAR: &str = "1/100";

/// The colour maps' symmetric log scale: values within vmax/100 of zero
/// linear, beyond that logarithmic, so that contacts far from the cell still
/// show beside the one next to it; ±vmax map to ±1.
struct SymLog {
    lin: f64,
    span: f64,
}

impl SymLog {
    fn new(vmax: f64) -> Self {
        let lin = vmax / 100.0;
        SymLog { lin, span: (1.0 + vmax / lin).log10() }
    }

    fn of(&self, v: f64) -> f64 {
        v.signum() * (1.0 + v.abs() / self.lin).log10() / self.span
    }

    fn value(&self, s: f64) -> f64 {
        s.signum() * self.lin * (10f64.powf(s.abs() * self.span) - 1.0)
    }
}

/// A value with two significant digits.
fn two_digits(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    let decimals = (1 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// Coloured line samples and labels at the top of a gutter.
fn legend<DB: DrawingBackend>(gutter: &Area<DB>, items: &[(String, RGBColor)], k: u32) -> Result<(), String> {
    for (i, (label, color)) in items.iter().enumerate() {
        let y = ((MARGIN_TOP + 8 + 20 * i as u32) * k) as i32;
        let x = |v: u32| (v * k) as i32;
        gutter.draw(&PathElement::new(vec![(x(12), y), (x(36), y)], color.stroke_width(3 * k))).map_err(de)?;
        gutter.draw(&Text::new(label.clone(), (x(42), y), font(13 * k).pos(Pos::new(HPos::Left, VPos::Center)))).map_err(de)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlog_is_odd_monotonic_and_inverted() {
        let s = SymLog::new(2.0);
        assert_eq!(s.of(2.0), 1.0);
        assert_eq!(s.of(-2.0), -1.0);
        assert_eq!(s.of(0.0), 0.0);
        // A hundredth of the largest value still takes a sixth of the scale.
        assert!(s.of(0.02) > 0.14 && s.of(0.02) < 0.16, "{}", s.of(0.02));
        for v in [-1.5, -0.01, 0.003, 0.7] {
            assert!((s.value(s.of(v)) - v).abs() < 1e-12);
        }
        assert!(s.of(0.1) < s.of(0.2));
        assert_eq!(two_digits(0.0123), "0.012");
        assert_eq!(two_digits(-45.6), "-46");
    }

    #[test]
    fn units_rescale() {
        assert_eq!(rescale("mV", 0.0012).1, "µV");
        assert_eq!(rescale("mV", 5.0).1, "mV");
        assert_eq!(rescale("nA·µm", 2e4).1, "µA·µm");
        assert_eq!(rescale("nA/µm", 3e-4).1, "fA/µm");
        assert_eq!(rescale("", 1e-6).1, "×10⁻⁶");
        assert_eq!(tick(0.5, 0.1), "0.5");
        assert_eq!(tick(-0.0001, 1.0), "0");
        assert_eq!(tick(-0.01, 0.5), "0.0");
        assert_eq!(nice_below(0.0037), 0.002);
        assert_eq!(label_step(-1.4, 1.4, 5), 0.5);
        assert_eq!(label_step(-1.8, 1.8, 5), 1.0);
        assert_eq!(label_step(0.0, 100.0, 10), 20.0);
    }

    #[test]
    fn linear_group_picks_longest_line() {
        let c = [[0.0, 0.0, 3.0], [0.0, 0.0, 1.0], [5.0, 0.0, 0.0], [0.0, 0.0, 2.0]];
        assert_eq!(linear_group(&c, [0.0; 3]), vec![1, 3, 0]);
    }
}

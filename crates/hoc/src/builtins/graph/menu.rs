//! A graph's menu items run by name (`exec_menu`), as NEURON runs them: on
//! the graph's first view, or on no view at all when the graph has none.
//! Mouse tools (the graph's own and those scripts add with `menu_tool`)
//! form one radio group: choosing a tool that is not chosen yet runs the
//! command the script gave for that moment, in the object that added it.
//! Items that open a dialog change nothing a script can read, and unknown
//! names do nothing, as in NEURON.

use std::rc::Rc;

use super::{axis, graph_of, refresh, string, Glyph, Graph};
use crate::error::HResult;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

/// A mouse tool a script added: its name, and the command run when it is chosen.
pub struct Tool {
    name: String,
    on_select: Option<(String, Option<ObjRef>)>,
}

/// The tool a new graph starts with.
pub const FIRST_TOOL: &str = "Crosshair";

/// The graph's own mouse tools.
const OWN_TOOLS: [&str; 9] =
    ["Crosshair", "Pick Vector", "Move Text", "Change Text", "Delete", "NewView", "Zoom in/out", "Translate", "Color/Brush"];

/// `menu_tool(name, action [, select_action])`.
pub fn add_tool(it: &mut Interp, o: &ObjRef, a: &[Value]) -> HResult<()> {
    let name = string(a, 0)?;
    let on_select = match a.get(2) {
        Some(Value::Str(_) | Value::SRef(_)) => Some((string(a, 2)?, it.this.clone())),
        _ => None,
    };
    graph_of(o, |g| g.tools.push(Tool { name, on_select }))
}

pub fn exec(it: &mut Interp, o: &ObjRef, item: &str) -> HResult<()> {
    if OWN_TOOLS.contains(&item) {
        return graph_of(o, |g| g.tool = item.to_string());
    }
    // A script's tool: chosen now (with its command, if any), or already chosen.
    let choice = graph_of(o, |g| {
        let on_select = g.tools.iter().find(|t| t.name == item)?.on_select.clone();
        let newly = g.tool != item;
        g.tool = item.to_string();
        Some(on_select.filter(|_| newly))
    })?;
    if let Some(on_select) = choice {
        if let Some((cmd, obj)) = on_select {
            run_in(it, &cmd, obj)?;
        }
        return Ok(());
    }
    match item {
        "Keep Lines" => {
            let kept = graph_of(o, |g| {
                g.keep_lines = !g.keep_lines;
                if !g.keep_lines {
                    g.keep();
                }
                !g.keep_lines
            })?;
            if kept {
                refresh(it, o)?;
            }
        }
        "Erase" => graph_of(o, |g| g.erase_lines())?,
        "Erase Axis" | "View Axis" | "View Box" => graph_of(o, |g| g.erase_axis())?,
        "New Axis" => graph_of(o, new_axis)?,
        "Object Name" => {
            if graph_of(o, |g| g.views)? > 0 {
                let name = format!("{}\n", it.object_name(o));
                it.write_out(&name)?;
            }
        }
        _ => graph_of(o, |g| {
            if g.views > 0 {
                change_view(g, item);
            }
        })?,
    }
    Ok(())
}

/// "New Axis": an x and a y axis over the view's box rounded inward (over
/// 0..0 without a view), in place of the axes there were.
fn new_axis(g: &mut Graph) {
    g.erase_axis();
    let [x1, y1, x2, y2] = if g.views > 0 { g.view.zin() } else { [0.0; 4] };
    let n = axis::within(x1, x2) + axis::within(y1, y2);
    (0..n).for_each(|_| g.scene.append(Glyph::Axis));
}

/// The items of the "View . . ." menu that change what the view shows.
fn change_view(g: &mut Graph, item: &str) {
    match item {
        "View = plot" => {
            let [l, b, r, t] = g.whole_plot();
            let (l, r) = round_out(l, r);
            let (b, t) = round_out(b, t);
            g.view.show([l, b, r, t]);
        }
        "10% Zoom out" => g.view.zoom_out(),
        "10% Zoom in" => g.view.zoom_in(),
        "Round View" => {
            let [x1, y1, x2, y2] = g.view.zin();
            let (x1, x2, _) = axis::rounded_within(x1, x2);
            let (y1, y2, _) = axis::rounded_within(y1, y2);
            g.view.show([x1 as f32, y1 as f32, x2 as f32, y2 as f32]);
        }
        "Whole Scene" => g.view.show(g.extent),
        "Scene=View" => {
            let [x1, y1, x2, y2] = g.view.zin();
            g.new_size(x1, y1, x2, y2);
            g.view.zoom_out();
        }
        _ => {}
    }
}

/// The range x1..x2 widened to numbers of two significant digits.
fn round_out(x1: f32, x2: f32) -> (f32, f32) {
    let d = if x2 > x1 { (x2 - x1) as f64 } else { (x1 as f64).abs() };
    let e = 10f64.powf(d.log10().floor() + 1.0 - 2.0);
    ((e * (x1 as f64 / e).floor()) as f32, (e * (x2 as f64 / e).ceil()) as f32)
}

/// A command run in the object that gave it, as NEURON's HocCommand runs.
fn run_in(it: &mut Interp, cmd: &str, obj: Option<ObjRef>) -> HResult<()> {
    let text: Rc<str> = format!("{{{cmd}}}\n").into();
    let name = it.sources.last().map(|s| s.name.clone()).unwrap_or_default();
    let saved_fin = it.fin.take();
    let r = it.in_context(obj, |it| it.run_text(&name, text));
    it.fin = saved_fin;
    r
}

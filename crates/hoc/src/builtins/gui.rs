//! GUI names as `nrniv -nogui` has them: the classes exist and their
//! methods return what NEURON's return without a display (measured), the
//! panel functions do nothing. GUIMath computes, since it is geometry.
//! `Graph` behaves so too unless graphs are asked for (`Interp::graphs`):
//! it then behaves as with a display and keeps what it plots
//! (`builtins::graph`).

use crate::builtins::{chkarg, num};
use crate::error::HResult;
use crate::interp::Interp;
use crate::value::Value;

/// The GUI classes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GuiClass {
    Graph,
    Shape,
    PlotShape,
    Box,
    Deck,
    PWManager,
    SymChooser,
    TextEditor,
    ValueFieldEditor,
    SectionBrowser,
    GUIMath,
}

/// State of a GUI object: the objects a box keeps alive (`box.ref(obj)`:
/// a tool and its box hold each other, so a tool lives on after the
/// session file drops its own reference, as in NEURON).
#[derive(Default)]
pub struct GuiObj {
    pub refs: Vec<crate::value::ObjRef>,
}

/// What a GUI method returns without a GUI; None if the class has no such method.
pub fn method(it: &mut Interp, this: &crate::value::ObjRef, class: GuiClass, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    use GuiClass::*;
    let n = |x: f64| Ok(Some(Value::Num(x)));
    match (class, name) {
        (Graph, _) if it.graphs => super::graph::method(it, this, name, a),
        (Graph, "size" | "view_count" | "glyph" | "unmap" | "crosshair_action" | "view_size" | "exec_menu" | "gif" | "menu_remove" | "getline") => n(0.0),
        (Graph, "view_info" | "line_info") => n(-1.0),
        (
            Graph,
            "plot" | "fastflush" | "flush" | "xaxis" | "yaxis" | "addvar" | "addexpr" | "addobject" | "vector" | "xexpr" | "begin" | "erase" | "label" | "fixed" | "vfixed"
            | "relative" | "align" | "color" | "brush" | "view" | "save_name" | "beginline" | "line" | "mark" | "simgraph" | "erase_all" | "printfile" | "family"
            | "menu_action" | "menu_tool",
        ) => n(1.0),
        (Shape | PlotShape, "nearest" | "size" | "view_count" | "unmap" | "color" | "color_all" | "color_list" | "exec_menu" | "observe" | "rotate" | "len_scale" | "gif") => {
            n(0.0)
        }
        (Shape, "point_mark" | "point_mark_remove") => n(0.0),
        (Shape | PlotShape, "push_selected") => n(-1.0),
        (Shape | PlotShape, "nearest_seg" | "selected_seg") => Ok(Some(Value::null())),
        (
            Shape | PlotShape,
            "view" | "flush" | "begin" | "save_name" | "printfile" | "show" | "menu_action" | "menu_tool" | "beginline" | "line" | "label" | "mark" | "erase" | "erase_all",
        ) => n(1.0),
        (Shape, "select" | "action") => n(1.0),
        (PlotShape, "hinton" | "scale" | "fastflush" | "variable" | "colormap") => n(1.0),
        (Box, "intercept") => n(chkarg(it, a, 0, 0.0, 1.0)?),
        (Box, "priority") => n(num(it, a, 0)?),
        (Box, "ref") => {
            if let Some(o) = super::object(a, 0)? {
                super::with_native::<GuiObj, _>(this, |g| g.refs.push(o))?;
            }
            n(0.0)
        }
        (Box, "adjuster" | "adjust" | "full_request" | "unmap" | "ismapped" | "dismiss_action" | "dialog" | "size") => n(0.0),
        (Box, "save" | "map") => n(1.0),
        (Deck, "intercept") => n(chkarg(it, a, 0, 0.0, 1.0)?),
        (Deck, "flip_to") => n(-1.0),
        (Deck, "save" | "map") => n(1.0),
        (Deck, "unmap" | "remove_last" | "remove" | "move_last") => n(0.0),
        (PWManager, "count" | "is_mapped" | "map" | "hide" | "close" | "iconify" | "deiconify" | "save" | "snap") => n(0.0),
        (PWManager, "leader" | "manager") => n(-1.0),
        (PWManager, "scale") => n(num(it, a, 0)?),
        (PWManager, "window_place" | "paper_place" | "printfile" | "landscape" | "deco") => n(1.0),
        (PWManager, "group") => Ok(Some(Value::null())),
        (PWManager, "name") => Ok(Some(Value::Str("".into()))),
        (SymChooser, "run" | "text") => n(0.0),
        (TextEditor, "readonly" | "map") => n(0.0),
        (TextEditor, "text") => Ok(Some(Value::Str("".into()))),
        (ValueFieldEditor, "default") => n(0.0),
        (SectionBrowser, "select" | "select_action" | "accept_action") => n(1.0),
        (GUIMath, _) => gui_math(it, name, a),
        _ => Ok(None),
    }
}

/// GUIMath: distances in the plane, in single precision as InterViews'
/// coordinates are.
fn gui_math(it: &mut Interp, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let six = |it: &Interp| -> HResult<[f32; 6]> {
        let mut c = [0f32; 6];
        for (k, x) in c.iter_mut().enumerate() {
            *x = num(it, a, k)? as f32;
        }
        Ok(c)
    };
    let v = match name {
        "d2line" => {
            let [x, y, x1, y1, x2, y2] = six(it)?;
            let (dx, dy, dx2, dy2) = (x - x1, y - y1, x2 - x1, y2 - y1);
            let mut norm2 = dx2 * dx2 + dy2 * dy2;
            let norm = dx * dx + dy * dy;
            let dot = dx * dx2 + dy * dy2;
            if norm2 == 0.0 {
                norm2 = 1.0;
            }
            let d = norm - dot * dot / norm2;
            if d < 0.0 {
                0.0
            } else {
                d.sqrt() as f64
            }
        }
        "d2line_seg" => {
            let [x, y, x1, y1, x2, y2] = six(it)?;
            let (dx, dy, dx2, dy2) = (x - x1, y - y1, x2 - x1, y2 - y1);
            let norm2 = dx2 * dx2 + dy2 * dy2;
            let norm = dx * dx + dy * dy;
            let dot = dx * dx2 + dy * dy2;
            (if norm2 == 0.0 || dot < 0.0 {
                norm.sqrt()
            } else if dot > norm2 {
                let (ex, ey) = (x - x2, y - y2);
                (ex * ex + ey * ey).sqrt()
            } else {
                let d = norm - dot * dot / norm2;
                if d <= 0.0 {
                    0.0
                } else {
                    d.sqrt()
                }
            }) as f64
        }
        "inside" => {
            let [x, y, l, b, r, t] = six(it)?;
            (x >= l && x <= r && y >= b && y <= t) as i32 as f64
        }
        // the rounding mode: always to nearest (2)
        "feround" => {
            if !a.is_empty() {
                chkarg(it, a, 0, 0.0, 4.0)?;
            }
            2.0
        }
        _ => return Ok(None),
    };
    Ok(Some(Value::Num(v)))
}

pub fn install(it: &mut Interp) {
    use GuiClass::*;
    for (class, g) in [
        ("Graph", Graph),
        ("Shape", Shape),
        ("PlotShape", PlotShape),
        ("PWManager", PWManager),
        ("VBox", Box),
        ("HBox", Box),
        ("Deck", Deck),
        ("SymChooser", SymChooser),
        ("TextEditor", TextEditor),
        ("ValueFieldEditor", ValueFieldEditor),
        ("SectionBrowser", SectionBrowser),
        ("GUIMath", GUIMath),
    ] {
        it.add_native_class(class, super::NativeClass::Gui(g));
    }
    // (name, what it returns)
    let procs: &[(&str, f64)] = &[
        ("xpanel", 0.0),
        ("xbutton", 0.0),
        ("xcheckbox", 0.0),
        ("xstatebutton", 0.0),
        ("xlabel", 0.0),
        ("xmenu", 0.0),
        ("xvalue", 0.0),
        ("xpvalue", 0.0),
        ("xradiobutton", 0.0),
        ("xfixedvalue", 0.0),
        ("xvarlabel", 0.0),
        ("xslider", 0.0),
        ("boolean_dialog", 0.0),
        ("continue_dialog", 1.0),
        ("string_dialog", 0.0),
        ("doEvents", 1.0),
        ("doNotify", 1.0),
        ("ivoc_style", 1.0),
        ("pwman_place", 0.0),
        ("save_session", 0.0),
        ("print_session", 0.0),
        ("nrnpointmenu", 1.0),
        ("nrnsecmenu", 1.0),
        ("nrnglobalmechmenu", 1.0),
        ("nrnallsectionmenu", 1.0),
        ("nrnallpointmenu", 1.0),
        ("show_winio", 0.0),
        ("graph", 0.0),
        ("graphmode", 0.0),
        ("plot", 1.0),
        ("plt", 1.0),
        ("axis", 1.0),
        ("regraph", 1.0),
        ("setcolor", 1.0),
        ("lw", 1.0),
        ("plotx", 1.0),
        ("ploty", 1.0),
        ("xred", 0.0),
        ("sred", 0.0),
    ];
    for &(p, r) in procs {
        let f: super::Builtin = match r as i32 {
            1 => |_, _| Ok(Value::Num(1.0)),
            _ => |_, _| Ok(Value::Num(0.0)),
        };
        it.define_builtin(p, f);
    }
}

//! GUI names: accepted so that GUI-laden model files load, and inert.

use crate::interp::Interp;
use crate::value::Value;

/// State of a GUI object: none.
pub struct GuiObj;

/// What a GUI object's method returns without a GUI: 1 for most, the
/// argument for setters such as `intercept`, 0 for sizes and counts.
pub fn method(name: &str, a: &[Value]) -> Value {
    match name {
        // What NEURON's stand-ins return under -nogui (measured).
        "size" | "view_count" | "exec_menu" | "count" | "unmap" | "gif" | "crosshair_action" | "glyph" | "rotate" | "observe" | "len_scale"
        | "nearest" | "color_all" | "color_list" | "point_mark" | "point_mark_remove" => Value::Num(0.0),
        "push_selected" => Value::Num(-1.0),
        "intercept" | "map" if !a.is_empty() => match a[0] {
            Value::Num(x) => Value::Num(x),
            _ => Value::Num(1.0),
        },
        _ => Value::Num(1.0),
    }
}

pub fn install(it: &mut Interp) {
    for class in ["Graph", "Shape", "PlotShape", "PWManager", "VBox", "HBox", "Deck", "SymChooser", "TextEditor", "ValueFieldEditor", "GUIMath", "MenuExplore"] {
        it.add_native_class(class, super::NativeClass::Gui);
    }
    let procs = [
        "xpanel", "xbutton", "xcheckbox", "xstatebutton", "xlabel", "xmenu", "xvalue", "xpvalue", "xradiobutton",
        "xfixedvalue", "xvarlabel", "xslider", "boolean_dialog", "continue_dialog", "string_dialog", "doEvents",
        "doNotify", "ivoc_style", "pwman_place", "save_session", "print_session", "nrnmainmenu", "nrncontrolmenu",
        "nrnpointmenu", "nrnsecmenu", "nrnglobalmechmenu", "nrnallsectionmenu", "nrnallpointmenu", "newPlotV",
        "newPlotI", "newPlot", "newshapeplot", "xred", "sred", "plot", "plt", "axis", "graph", "graphmode",
        "regraph", "setcolor", "lw", "plotx", "ploty", "show_winio",
    ];
    for p in procs {
        it.define_builtin(p, |_, _| Ok(Value::Num(0.0)));
    }
    for p in ["doNotify", "doEvents"] {
        it.define_builtin(p, |_, _| Ok(Value::Num(1.0)));
    }
}

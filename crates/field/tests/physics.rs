//! Physical properties of the forward models, independent of LFPykit.

use std::f64::consts::PI;

use field::*;
use ndarray::{Array1, Array2};

const SIGMA: f64 = 0.3;

fn one_segment(start: [f64; 3], end: [f64; 3], diam: f64) -> CellGeometry {
    CellGeometry {
        start: vec![start],
        end: vec![end],
        diam: vec![diam],
        length: Vec::new(),
    }
}

/// The segment cut into `n` equal pieces.
fn subdivided(start: [f64; 3], end: [f64; 3], diam: f64, n: usize) -> CellGeometry {
    let at = |t: f64| [0, 1, 2].map(|k| start[k] + t * (end[k] - start[k]));
    CellGeometry {
        start: (0..n).map(|i| at(i as f64 / n as f64)).collect(),
        end: (0..n).map(|i| at((i + 1) as f64 / n as f64)).collect(),
        diam: vec![diam; n],
        length: Vec::new(),
    }
}

/// A small cell: soma along z and a few dendrites.
fn small_cell() -> CellGeometry {
    CellGeometry {
        start: vec![
            [0.0, 0.0, -8.0],
            [0.0, 0.0, 8.0],
            [3.0, 1.0, 40.0],
            [0.0, 0.0, -8.0],
            [-20.0, 5.0, -30.0],
        ],
        end: vec![
            [0.0, 0.0, 8.0],
            [3.0, 1.0, 40.0],
            [10.0, -4.0, 90.0],
            [-20.0, 5.0, -30.0],
            [-35.0, 12.0, -55.0],
        ],
        diam: vec![16.0, 2.0, 1.5, 1.8, 1.0],
        length: Vec::new(),
    }
}

fn far_contacts() -> Vec<[f64; 3]> {
    vec![
        [60.0, 10.0, 0.0],
        [-40.0, 30.0, 70.0],
        [25.0, -50.0, -80.0],
        [5.0, 45.0, 20.0],
        [200.0, 0.0, 300.0],
    ]
}

fn rel_err(got: &Array2<f64>, want: &Array2<f64>) -> f64 {
    let scale = want.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    got.iter()
        .zip(want)
        .fold(0.0f64, |a, (g, w)| a.max((g - w).abs()))
        / scale
}

/// Sums the columns of an n-piece subdivision: each piece carries 1/n of the current.
fn sum_pieces(m: &Array2<f64>) -> Array1<f64> {
    m.sum_axis(ndarray::Axis(1)) / m.ncols() as f64
}

#[test]
fn line_source_is_the_limit_of_subdivided_point_sources() {
    let (s, e) = ([0.0, 0.0, 0.0], [12.0, -5.0, 30.0]);
    let contacts = vec![
        [10.0, 5.0, 15.0],
        [-3.0, 2.0, -8.0],
        [20.0, -10.0, 45.0],
        [40.0, 0.0, 0.0],
    ];
    let line = LineSourcePotential::new(contacts.clone(), SIGMA)
        .unwrap()
        .matrix(&one_segment(s, e, 1.0))
        .unwrap()
        .column(0)
        .to_owned();
    let mut last = f64::INFINITY;
    for n in [10, 100, 1000] {
        let pts = PointSourcePotential::new(contacts.clone(), SIGMA).unwrap();
        let approx = sum_pieces(&pts.matrix(&subdivided(s, e, 1.0, n)).unwrap());
        let err = (&approx - &line).iter().fold(0.0f64, |a, b| a.max(b.abs()))
            / line.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        assert!(err < last / 20.0 || err < 1e-12, "n = {n}: {err} vs {last}");
        last = err;
    }
    assert!(last < 1e-6, "{last}");

    // the same for the anisotropic line source
    let sg = [0.3, 0.2, 0.45];
    let aniso = |m: Method, g: &CellGeometry| {
        RecExtElectrode::new(contacts.clone(), Conductivity::Anisotropic(sg), m, None)
            .unwrap()
            .matrix(g)
            .unwrap()
    };
    let line = aniso(Method::LineSource, &one_segment(s, e, 1.0))
        .column(0)
        .to_owned();
    let approx = sum_pieces(&aniso(Method::PointSource, &subdivided(s, e, 1.0, 1000)));
    let err = (&approx - &line).iter().fold(0.0f64, |a, b| a.max(b.abs()))
        / line.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    assert!(err < 1e-6, "anisotropic: {err}");
}

#[test]
fn line_source_of_a_short_segment_is_a_point_source() {
    let g = one_segment([0.0, 0.0, 0.0], [0.0, 0.0, 1e-3], 0.1);
    let c = vec![[30.0, 0.0, 0.0], [0.0, 20.0, 10.0]];
    let line = LineSourcePotential::new(c.clone(), SIGMA)
        .unwrap()
        .matrix(&g)
        .unwrap();
    let point = PointSourcePotential::new(c, SIGMA)
        .unwrap()
        .matrix(&g)
        .unwrap();
    assert!(rel_err(&line, &point) < 1e-9);
}

#[test]
fn zero_length_segments_are_point_sources() {
    let g = one_segment([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 1.0);
    let c = vec![[30.0, 0.0, 0.0]];
    let point = PointSourcePotential::new(c.clone(), SIGMA)
        .unwrap()
        .matrix(&g)
        .unwrap();
    for sigma in [
        Conductivity::Isotropic(SIGMA),
        Conductivity::Anisotropic([SIGMA; 3]),
    ] {
        for m in [Method::LineSource, Method::RootAsPoint] {
            let got = RecExtElectrode::new(c.clone(), sigma, m, None)
                .unwrap()
                .matrix(&g)
                .unwrap();
            assert!(rel_err(&got, &point) < 1e-14, "{sigma:?} {m:?}");
        }
    }
}

#[test]
fn anisotropic_with_equal_sigmas_is_isotropic() {
    let g = small_cell();
    for m in [Method::LineSource, Method::PointSource, Method::RootAsPoint] {
        let iso =
            RecExtElectrode::new(far_contacts(), Conductivity::Isotropic(SIGMA), m, None).unwrap();
        let aniso = RecExtElectrode::new(
            far_contacts(),
            Conductivity::Anisotropic([SIGMA; 3]),
            m,
            None,
        )
        .unwrap();
        let e = rel_err(&aniso.matrix(&g).unwrap(), &iso.matrix(&g).unwrap());
        assert!(e < 1e-12, "{m:?}: {e}");
    }
    // and the method names agree with the dedicated models
    let ps = PointSourcePotential::new(far_contacts(), SIGMA)
        .unwrap()
        .matrix(&g)
        .unwrap();
    let ls = LineSourcePotential::new(far_contacts(), SIGMA)
        .unwrap()
        .matrix(&g)
        .unwrap();
    let rec = |m| {
        RecExtElectrode::new(far_contacts(), Conductivity::Isotropic(SIGMA), m, None)
            .unwrap()
            .matrix(&g)
            .unwrap()
    };
    assert_eq!(rec(Method::PointSource), ps);
    assert_eq!(rec(Method::LineSource), ls);
    let root = rec(Method::RootAsPoint);
    assert_eq!(root.column(1), ls.column(1));
    assert!((root[[0, 0]] - ps[[0, 0]]).abs() < 1e-15 * ps[[0, 0]].abs().max(1.0));
}

#[test]
fn stretching_an_axis_of_conductivity_is_a_coordinate_scaling() {
    // In σ = [σx, σy, σz], x' = x / √σx (etc.) maps to an isotropic medium of
    // conductivity 1 scaled by √(σxσyσz) (Ness et al. 2015, eq. 4).
    let sg = [0.2_f64, 0.3, 0.5];
    let q = [sg[0].sqrt(), sg[1].sqrt(), sg[2].sqrt()];
    let g = small_cell();
    let scaled = CellGeometry {
        start: g
            .start
            .iter()
            .map(|p| [p[0] / q[0], p[1] / q[1], p[2] / q[2]])
            .collect(),
        end: g
            .end
            .iter()
            .map(|p| [p[0] / q[0], p[1] / q[1], p[2] / q[2]])
            .collect(),
        diam: vec![1e-6; g.len()],
        length: Vec::new(),
    };
    let g = CellGeometry {
        diam: vec![1e-6; g.len()],
        ..g
    };
    let c = far_contacts();
    let cs: Vec<[f64; 3]> = c
        .iter()
        .map(|p| [p[0] / q[0], p[1] / q[1], p[2] / q[2]])
        .collect();
    let prod = (sg[0] * sg[1] * sg[2]).sqrt();
    for m in [Method::LineSource, Method::PointSource] {
        let aniso = RecExtElectrode::new(c.clone(), Conductivity::Anisotropic(sg), m, None)
            .unwrap()
            .matrix(&g)
            .unwrap();
        let iso = RecExtElectrode::new(cs.clone(), Conductivity::Isotropic(1.0), m, None)
            .unwrap()
            .matrix(&scaled)
            .unwrap()
            / prod;
        assert!(rel_err(&aniso, &iso) < 1e-12, "{m:?}");
    }
}

#[test]
fn point_source_clamps_at_the_segment_radius() {
    let g = one_segment([0.0, 0.0, -5.0], [0.0, 0.0, 5.0], 4.0);
    let m = PointSourcePotential::new(
        vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]],
        SIGMA,
    )
    .unwrap()
    .matrix(&g)
    .unwrap();
    let at_surface = 1.0 / (4.0 * PI * SIGMA * 2.0);
    for j in 0..3 {
        assert!((m[[j, 0]] - at_surface).abs() < 1e-15);
    }
}

#[test]
fn contact_surface_average_converges_to_the_disc_mean() {
    // mean of 1/√(d² + ρ²) over a disc of radius a: 2(√(d² + a²) − d)/a²
    let (d, a) = (20.0, 8.0);
    let g = one_segment([0.0, 0.0, -1e-4], [0.0, 0.0, 1e-4], 0.1);
    let surface = ContactSurface {
        r: a,
        n: 2000,
        normals: vec![[0.0, 0.0, 1.0]],
        shape: ContactShape::Circle,
    };
    let el = RecExtElectrode::new(
        vec![[0.0, 0.0, d]],
        Conductivity::Isotropic(SIGMA),
        Method::PointSource,
        Some(surface),
    )
    .unwrap();
    let got = el.matrix(&g).unwrap()[[0, 0]];
    let want = 2.0 * ((d * d + a * a).sqrt() - d) / (a * a) / (4.0 * PI * SIGMA);
    assert!((got / want - 1.0).abs() < 1e-4, "{got} {want}");

    // a vanishing surface is a point contact
    let tiny = ContactSurface {
        r: 1e-9,
        n: 5,
        normals: vec![[1.0, 1.0, 0.0]; 5],
        shape: ContactShape::Square,
    };
    let g = small_cell();
    let with = RecExtElectrode::new(
        far_contacts(),
        Conductivity::Isotropic(SIGMA),
        Method::LineSource,
        Some(tiny),
    )
    .unwrap();
    let without = RecExtElectrode::new(
        far_contacts(),
        Conductivity::Isotropic(SIGMA),
        Method::LineSource,
        None,
    )
    .unwrap();
    assert!(rel_err(&with.matrix(&g).unwrap(), &without.matrix(&g).unwrap()) < 1e-9);
    assert_eq!(with.contact_points()[0].len(), 5);
}

#[test]
fn slice_without_boundaries_is_an_infinite_medium() {
    let g = small_cell().translated([0.0, 0.0, 100.0]);
    let contacts = vec![
        [5.0, 12.0, 0.0],
        [50.0, 0.0, 0.0],
        [-30.0, 40.0, 0.0],
        [10.0, 10.0, 60.0],
    ];
    // σ_S = σ_G = σ_T: no images
    let mea = RecMEAElectrode::new(
        contacts.clone(),
        SIGMA,
        SIGMA,
        SIGMA,
        300.0,
        0.0,
        20,
        Method::PointSource,
        None,
        None,
    )
    .unwrap();
    let ps = PointSourcePotential::new(contacts.clone(), SIGMA).unwrap();
    assert!(rel_err(&mea.matrix(&g).unwrap(), &ps.matrix(&g).unwrap()) < 1e-14);

    // insulating glass, saline matched: one mirror image, twice the line source
    let on_glass = contacts[..3].to_vec();
    let mea = RecMEAElectrode::new(
        on_glass.clone(),
        SIGMA,
        SIGMA,
        0.0,
        300.0,
        0.0,
        20,
        Method::LineSource,
        None,
        None,
    )
    .unwrap();
    let ls = LineSourcePotential::new(on_glass, SIGMA).unwrap();
    let twice = ls.matrix(&g).unwrap() * 2.0;
    assert!(rel_err(&mea.matrix(&g).unwrap(), &twice) < 1e-12);

    // a cell outside the slice is refused
    let thin = RecMEAElectrode::new(
        contacts.clone(),
        SIGMA,
        1.5,
        0.0,
        50.0,
        0.0,
        20,
        Method::PointSource,
        None,
        None,
    )
    .unwrap();
    assert!(thin.matrix(&g).unwrap_err().0.contains("outside the slice"));
}

#[test]
fn one_sphere_with_equal_conductivities_is_an_infinite_medium() {
    // cell in the x–z plane, observation points in the same meridian plane
    let g = CellGeometry {
        start: vec![[0.0, 0.0, 9000.0], [0.0, 0.0, 9010.0], [500.0, 0.0, 9500.0]],
        end: vec![
            [0.0, 0.0, 9010.0],
            [20.0, 0.0, 9040.0],
            [520.0, 0.0, 9510.0],
        ],
        diam: vec![10.0, 2.0, 2.0],
        length: Vec::new(),
    };
    let pts_sph = vec![
        [9300.0, 0.05, 0.0],
        [9900.0, 0.2, 0.0],
        [11000.0, 0.1, 0.0],
        [15000.0, 1.0, 0.0],
    ];
    let sphere =
        OneSphereVolumeConductor::new(pts_sph.clone(), 10000.0, SIGMA, SIGMA, 1000).unwrap();
    let cart: Vec<[f64; 3]> = pts_sph
        .iter()
        .map(|p| [p[0] * p[1].sin(), 0.0, p[0] * p[1].cos()])
        .collect();
    let ps = PointSourcePotential::new(cart, SIGMA).unwrap();
    let e = rel_err(&sphere.matrix(&g).unwrap(), &ps.matrix(&g).unwrap());
    assert!(e < 1e-10, "{e}");
}

/// Potential of a dipole `p` at `rz` in an infinite medium, at `r`.
fn dipole_potential(p: [f64; 3], rz: [f64; 3], r: [f64; 3], sigma: f64) -> f64 {
    let d = [r[0] - rz[0], r[1] - rz[1], r[2] - rz[2]];
    let n = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
    (p[0] * d[0] + p[1] * d[1] + p[2] * d[2]) / (4.0 * PI * sigma * n.powi(3))
}

/// `P_n(x)` and `P_n^1(x)` (Condon–Shortley phase) for n = 0..=n_max.
fn legendre_tables(n_max: usize, x: f64) -> (Vec<f64>, Vec<f64>) {
    let mut p = vec![1.0, x];
    let mut p1 = vec![0.0, -(1.0 - x * x).sqrt()];
    for n in 1..n_max {
        let nf = n as f64;
        p.push(((2.0 * nf + 1.0) * x * p[n] - nf * p[n - 1]) / (nf + 1.0));
        p1.push(((2.0 * nf + 1.0) * x * p1[n] - (nf + 1.0) * p1[n - 1]) / nf);
    }
    (p, p1)
}

#[test]
fn four_spheres_of_equal_conductivity_are_an_insulated_homogeneous_sphere() {
    // With σ1 = … = σ4 the head is one homogeneous sphere of radius r4 in air:
    // the infinite-medium dipole potential plus the reflection that makes
    // ∂φ/∂r = 0 at r4. For a dipole p at rz ẑ and an electrode at (r, θ, ψ),
    // writing q_n = (n+1)/n (rz/r4)^(n+1) (r/r4)^n (Næss et al. 2017, eq. 13
    // with c1n reduced to the one-sphere boundary condition):
    //   radial (p ẑ):      p/(4πσ rz²) Σ n q_n P_n(cos θ)
    //   tangential (p x̂): −p cos ψ/(4πσ rz²) Σ q_n P_n^1(cos θ)
    let radii = [79000.0, 80000.0, 85000.0, 90000.0];
    let r4 = radii[3];
    let rz = 78000.0;
    let at = |r: f64, t: f64, psi: f64| {
        [
            r * t.sin() * psi.cos(),
            r * t.sin() * psi.sin(),
            r * t.cos(),
        ]
    };
    let el = vec![
        at(78600.0, 0.0, 0.0),  // brain, on the axis
        at(78500.0, 0.05, 0.3), // brain
        at(79600.0, 0.1, 2.0),  // CSF
        at(81000.0, 0.3, -1.0), // skull
        at(84000.0, 0.8, 4.0),  // skull
        at(89990.0, 0.0, 0.0),  // scalp, on the axis
        at(88000.0, 1.5, 0.7),  // scalp
        at(90000.0, 2.8, -2.5), // scalp surface, far side
    ];
    let fs = FourSphereVolumeConductor::new(el.clone(), radii, [SIGMA; 4], [0.0, 0.0, rz]).unwrap();
    let d = fs.dipole_matrix().unwrap();
    let k = 1.0 / (4.0 * PI * SIGMA * rz * rz);
    for (j, e) in el.iter().enumerate() {
        let r = (e[0] * e[0] + e[1] * e[1] + e[2] * e[2]).sqrt();
        let cos_t = e[2] / r;
        let cos_psi = if e[0] == 0.0 && e[1] == 0.0 {
            0.0
        } else {
            e[0] / e[0].hypot(e[1])
        };
        let (p, p1) = legendre_tables(4000, cos_t);
        let (mut rad, mut tan) = (0.0, 0.0);
        for n in 1..4000 {
            let nf = n as f64;
            let q = (nf + 1.0) / nf * (rz / r4).powf(nf + 1.0) * (r / r4).powf(nf);
            rad += nf * q * p[n];
            tan += q * p1[n];
        }
        let want_z = dipole_potential([0.0, 0.0, 1.0], [0.0, 0.0, rz], *e, SIGMA) + k * rad;
        let want_x =
            dipole_potential([1.0, 0.0, 0.0], [0.0, 0.0, rz], *e, SIGMA) - k * cos_psi * tan;
        let want_y = dipole_potential([0.0, 1.0, 0.0], [0.0, 0.0, rz], *e, SIGMA)
            - k * (if e[0] == 0.0 && e[1] == 0.0 {
                0.0
            } else {
                e[1] / e[0].hypot(e[1])
            }) * tan;
        let scale = want_z.abs().max(want_x.abs()).max(want_y.abs());
        // LFPykit's truncation (a term below 2/99·10⁻⁶ of the running sum)
        // leaves ~10⁻⁶ of slowly converging series; the tangential series in
        // the brain, close to the dipole, converges slowest.
        let tol = if r <= radii[0] { 1e-4 } else { 1e-5 };
        for (c, want) in [(0, want_x), (1, want_y), (2, want_z)] {
            let e = (d[[j, c]] - want).abs() / scale;
            assert!(
                e < tol,
                "electrode {j} axis {c}: {} vs {want} ({e:.2e})",
                d[[j, c]]
            );
        }
        // near the dipole the boundary hardly matters: the infinite medium
        if j == 0 {
            let inf = dipole_potential([0.0, 0.0, 1.0], [0.0, 0.0, rz], *e, SIGMA);
            assert!((d[[j, 2]] / inf - 1.0).abs() < 1e-3);
        }
    }
}

#[test]
fn four_sphere_radial_and_tangential_dipoles() {
    let radii = [79000.0, 80000.0, 85000.0, 90000.0];
    let sigmas = [0.3, 1.5, 0.015, 0.3];
    let rz = [0.0, 0.0, 78000.0];
    let ang = |t: f64, ph: f64| {
        [
            89000.0 * t.sin() * ph.cos(),
            89000.0 * t.sin() * ph.sin(),
            89000.0 * t.cos(),
        ]
    };
    let el = vec![
        ang(0.0, 0.0),
        ang(0.2, 0.0),
        ang(0.2, PI / 2.0),
        ang(0.2, PI),
        ang(0.2, 1.0),
        ang(0.6, 0.0),
    ];
    let fs = FourSphereVolumeConductor::new(el, radii, sigmas, rz).unwrap();
    let d = fs.dipole_matrix().unwrap();
    let (x, z) = (0, 2);
    // radial (z) dipole: positive above, largest on the axis, symmetric about it
    assert!(d[[0, z]] > d[[1, z]] && d[[1, z]] > d[[5, z]] && d[[0, z]] > 0.0);
    for j in [2, 3, 4] {
        assert!((d[[j, z]] - d[[1, z]]).abs() < 1e-12 * d[[1, z]]);
    }
    // tangential (x) dipole: nothing on the axis, odd in x, zero across the x = 0 plane
    assert!(d[[0, x]].abs() < 1e-12 * d[[1, x]].abs());
    assert!(d[[1, x]] > 0.0);
    assert!((d[[3, x]] + d[[1, x]]).abs() < 1e-9 * d[[1, x]]);
    assert!(d[[2, x]].abs() < 1e-9 * d[[1, x]]);
    assert!((d[[4, x]] - d[[1, x]] * 1f64.cos()).abs() < 1e-9 * d[[1, x]]);
    // the poorly conducting skull attenuates compared with a homogeneous head
    let hom = FourSphereVolumeConductor::new(fs.electrodes.clone(), radii, [0.3; 4], rz)
        .unwrap()
        .dipole_matrix()
        .unwrap();
    assert!(d[[0, z]] < hom[[0, z]] && d[[1, x]] < hom[[1, x]]);
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

#[test]
fn meg_matches_the_closed_forms() {
    // a two-segment cell with currents +1, −1 nA is a dipole p = r_mid,0 − r_mid,1
    let g = CellGeometry {
        start: vec![[10.0, 0.0, 0.0], [0.0, 5.0, -20.0]],
        end: vec![[10.0, 4.0, 30.0], [-6.0, 5.0, -25.0]],
        diam: vec![1.0, 1.0],
        length: Vec::new(),
    };
    let current = ndarray::arr1(&[1.0, -1.0]);
    let (m0, m1) = (g.mid(0), g.mid(1));
    let p = [m0[0] - m1[0], m0[1] - m1[1], m0[2] - m1[2]];
    let cdm = CurrentDipoleMoment.matrix(&g).unwrap().dot(&current);
    for k in 0..3 {
        assert!((cdm[k] - p[k]).abs() < 1e-12);
    }

    // infinite medium: H = p × R / (4π |R|³)
    let loc = [100.0, -50.0, 20.0];
    let sensors = vec![
        [0.0, 0.0, 10000.0],
        [5000.0, 300.0, 0.0],
        [-700.0, 20.0, -30.0],
    ];
    let meg = InfiniteHomogeneousVolCondMEG::new(sensors.clone(), loc, meg::MU_0).unwrap();
    assert_eq!(meg.output_dims(), vec![3, 3]);
    let h = meg.matrix(&g).unwrap().dot(&current);
    for (i, s) in sensors.iter().enumerate() {
        let r = [s[0] - loc[0], s[1] - loc[1], s[2] - loc[2]];
        let n3 = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt().powi(3);
        let want = cross(p, r).map(|v| v / (4.0 * PI * n3));
        for c in 0..3 {
            assert!(
                (h[3 * i + c] - want[c]).abs()
                    < 1e-12 * want.iter().fold(0.0f64, |a, b| a.max(b.abs()))
            );
        }
    }

    // sphere: the radial component of H is that of the primary current alone,
    // and a radial dipole has no field outside (Sarvas 1987)
    let rp = [2000.0, -1000.0, 70000.0];
    let sensors = vec![
        [0.0, 0.0, 92000.0],
        [0.0, 65000.0, 65000.0],
        [69000.0, 39800.0, 46000.0],
    ];
    let sph = SphericallySymmetricVolCondMEG::new(sensors.clone(), rp, meg::MU_0)
        .unwrap()
        .dipole_matrix();
    let inf = InfiniteHomogeneousVolCondMEG::new(sensors.clone(), rp, meg::MU_0)
        .unwrap()
        .dipole_matrix();
    let rpn = (rp[0] * rp[0] + rp[1] * rp[1] + rp[2] * rp[2]).sqrt();
    for (i, s) in sensors.iter().enumerate() {
        let sn = (s[0] * s[0] + s[1] * s[1] + s[2] * s[2]).sqrt();
        for j in 0..3 {
            let radial =
                |m: &Array2<f64>| (0..3).map(|c| m[[3 * i + c, j]] * s[c] / sn).sum::<f64>();
            let scale = (0..3)
                .map(|c| inf[[3 * i + c, j]].abs())
                .fold(0.0, f64::max);
            assert!((radial(&sph) - radial(&inf)).abs() < 1e-10 * scale);
        }
        for c in 0..3 {
            let h_radial_dipole: f64 = (0..3).map(|j| sph[[3 * i + c, j]] * rp[j] / rpn).sum();
            assert!(h_radial_dipole.abs() < 1e-12 * sph.iter().fold(0.0f64, |a, b| a.max(b.abs())));
        }
    }
}

#[test]
fn infinite_volume_conductor_is_the_dipole_potential() {
    let g = small_cell();
    let current = ndarray::arr1(&[0.5, -0.2, -0.1, 0.3, -0.5]);
    let p = CurrentDipoleMoment.matrix(&g).unwrap().dot(&current);
    let loc = [10.0, 20.0, -30.0];
    let el = vec![[0.0, 0.0, 5000.0], [3000.0, 0.0, 0.0]];
    let v = InfiniteVolumeConductor::new(el.clone(), SIGMA, loc)
        .unwrap()
        .matrix(&g)
        .unwrap()
        .dot(&current);
    for (j, r) in el.iter().enumerate() {
        let want = dipole_potential([p[0], p[1], p[2]], loc, *r, SIGMA);
        assert!((v[j] - want).abs() < 1e-12 * want.abs());
    }
}

#[test]
fn csd_accounts_for_all_current() {
    let g = small_cell();
    // a grid covering the whole cell: every segment's current is binned once
    let edges = |lo: f64, hi: f64, n: usize| {
        (0..=n)
            .map(|i| lo + (hi - lo) * i as f64 / n as f64)
            .collect::<Vec<_>>()
    };
    for dl in [0.7, 1.0, 5.0] {
        let v = VolumetricCurrentSourceDensity::new(
            edges(-50.0, 50.0, 7),
            edges(-60.0, 60.0, 5),
            edges(-70.0, 100.0, 9),
            dl,
        )
        .unwrap();
        assert_eq!(v.output_dims(), vec![7, 5, 9]);
        let m = v.matrix(&g).unwrap();
        for (i, s) in m.sum_axis(ndarray::Axis(0)).iter().enumerate() {
            assert!((s - 1.0).abs() < 1e-12, "dl {dl} segment {i}: {s}");
        }
    }
    // stacked wide cylinders thicker than any segment: Σ M·V = 1 per segment
    let zb: Vec<[f64; 2]> = (0..4)
        .map(|i| [-70.0 + 45.0 * i as f64, -70.0 + 45.0 * (i + 1) as f64])
        .collect();
    let r = vec![500.0; zb.len()];
    let lam = LaminarCurrentSourceDensity::new(zb.clone(), r.clone()).unwrap();
    let m = lam.matrix(&g).unwrap();
    for i in 0..g.len() {
        let total: f64 = (0..zb.len())
            .map(|v| m[[v, i]] * PI * r[v] * r[v] * (zb[v][1] - zb[v][0]))
            .sum();
        assert!((total - 1.0).abs() < 1e-12, "segment {i}: {total}");
    }
    // a thin cylinder holds only the part of the soma inside it
    let lam = LaminarCurrentSourceDensity::new(vec![[-4.0, 4.0]], vec![1.0]).unwrap();
    let m = lam
        .matrix(&one_segment([0.0, 0.0, -8.0], [0.0, 0.0, 8.0], 1.0))
        .unwrap();
    assert!(
        (m[[0, 0]] * PI * 8.0 - 0.0).abs() < 1e-12,
        "both ends outside: LFPykit counts nothing"
    );
    let m = lam
        .matrix(&one_segment([0.0, 0.0, 0.0], [0.0, 0.0, 8.0], 1.0))
        .unwrap();
    assert!((m[[0, 0]] * PI * 8.0 - 0.5).abs() < 1e-12);
}

#[test]
fn geometry_helpers() {
    let g = small_cell();
    assert_eq!(g.len(), 5);
    assert_eq!(g.mid(0), [0.0, 0.0, 0.0]);
    let t = g.translated([1.0, -2.0, 3.5]);
    assert_eq!(t.mid(1), [2.5, -1.5, 27.5]);
    assert_eq!(t.diam, g.diam);
    assert!((g.length(0) - 16.0).abs() < 1e-15);
}

#[test]
fn a_csd_grid_too_large_for_memory_is_refused_with_its_size() {
    let g = small_cell();
    let edges = |n: usize| (0..=n).map(|i| i as f64).collect::<Vec<_>>();
    // 4e10 bins: far more than any machine holds, refused before allocating.
    let v = VolumetricCurrentSourceDensity::new(edges(4000), edges(4000), edges(2500), 1.0).unwrap();
    let e = v.matrix(&g).unwrap_err().0;
    assert!(e.contains("GB"), "{e}");
    // A dl that would cut a segment into 1e11 pieces.
    let v = VolumetricCurrentSourceDensity::new(edges(2), edges(2), edges(2), 1e-9).unwrap();
    let e = v.matrix(&g).unwrap_err().0;
    assert!(e.contains("pieces"), "{e}");
}

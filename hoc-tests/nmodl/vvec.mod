: Vector methods written in C and installed on HOC's Vector class.
NEURON {
    SUFFIX nothing
    GLOBAL VVEC_INSTALLED
}

PARAMETER {
    VVEC_INSTALLED = 0
}

VERBATIM
/* v.vsum(): the sum of the elements */
static double vsum(void* vv) {
    int i, n;
    double *x, s;
    n = vector_instance_px(vv, &x);
    s = 0.;
    for (i = 0; i < n; i++) s += x[i];
    return s;
}

/* v.vscale(a[, b]): x = a*x + b, in place; returns the size */
static double vscale(void* vv) {
    int i, n;
    double *x, a, b;
    n = vector_instance_px(vv, &x);
    a = *getarg(1);
    b = ifarg(2) ? *getarg(2) : 0.;
    for (i = 0; i < n; ++i) {
        x[i] = a * x[i] + b;
    }
    return (double) n;
}

/* v.vdot(w): the dot product; sizes must match */
static double vdot(void* vv) {
    int i, n, m;
    double *x, *y, s = 0;
    n = vector_instance_px(vv, &x);
    m = vector_arg_px(1, &y);
    if (m != n) {
        hoc_execerror("vdot: sizes differ", 0);
    }
    for (i = 0; i < n; i++) { s += x[i] * y[i]; }
    return s;
}

/* v.vcount(key): how many elements equal key (an int loop with while) */
static double vcount(void* vv) {
    int i = 0, n, c = 0;
    double *x, key;
    n = vector_instance_px(vv, &x);
    key = *getarg(1);
    while (i < n) {
        if (x[i++] == key) c++;
    }
    return c;
}

/* v.vfill(n, w): v gets n elements i*i, w (optional) the halves; a buffer is malloc'd */
static double vfill(void* vv) {
    int i, n;
    double *x, *tmp, *y;
    void* w;
    n = (int) *getarg(1);
    vector_resize((IvocVect*)vv, n);
    vector_instance_px(vv, &x);
    tmp = (double*) malloc(sizeof(double) * n);
    for (i = 0; i < n; i++) tmp[i] = i * i;
    for (i = 0; i < n; i++) x[i] = tmp[i];
    free(tmp);
    if (ifarg(2) && hoc_is_object_arg(2)) {
        w = vector_arg(2);
        vector_resize(w, n);
        y = vector_vec(w);
        for (i = 0; i < n; i++) y[i] = x[i] / 2;
    }
    printf("vfill %d\n", n);
    return n;
}
ENDVERBATIM

PROCEDURE install_vvec() {
    VVEC_INSTALLED = 1
VERBATIM
    install_vector_method("vsum", vsum);
    install_vector_method("vscale", vscale);
    install_vector_method("vdot", vdot);
    install_vector_method("vcount", vcount);
    install_vector_method("vfill", vfill);
ENDVERBATIM
}

/* A header beside the .mod file that includes it from VERBATIM C. */
#define LN2 0.69314718055994530941723212145818
#define CUBE(x) ((x) * (x) * (x))
static int counter;
static double weights[3] = {1.5, 2.5};

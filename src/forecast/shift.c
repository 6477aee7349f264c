/*
 * shift.c - level shifts just before the forecast origin. Fitted through a
 * recent regime change, the smoothing parameters chase it (alpha and gamma
 * near 1) and the seasons turn to noise; fitted without care, a small alpha
 * follows it too slowly. So a shift in the last season is found first, on
 * the data alone: from some point t on, the seasonal differences
 * y[i] - y[i-m] are persistently of one sign and large (mean beyond 3
 * times their RMS over the earlier history, 80 % one sign, at least
 * max(3, m/24) of them). The fit then treats t as an intervention: the
 * level jumps to the data there (one step with alpha = 1, trend and seasons
 * kept) and t's error is left out of the fitted sum of squares.
 */
#include <math.h>

#include "fc_int.h"
#include "scaleadvisor/banned.h"

#define SHIFT_SIGMAS 3.0
#define SHIFT_SIGN_SHARE 0.8

size_t fc_find_shift(const double *y, size_t n, size_t m)
{
    size_t W = m, kmin = m / 24 > 3 ? m / 24 : 3, best = 0, pos = 0;
    double sum = 0, ss = 0, best_stat = 0;
    if (m < 2 || n < 4 * m)
        return 0;
    /* the scale: RMS of the seasonal differences before the last season */
    for (size_t i = m; i < n - W; i++)
        ss += (y[i] - y[i - m]) * (y[i] - y[i - m]);
    double sd = sqrt(ss / (double)(n - W - m));
    if (!(sd > 0))
        return 0;
    /* suffixes of the last season's differences, from the end */
    for (size_t k = 1; k <= W; k++) {
        size_t i = n - k;
        double d = y[i] - y[i - m];
        sum += d;
        pos += d > 0 ? 1 : 0;
        if (k < kmin)
            continue;
        double mean = sum / (double)k, share = (double)(mean > 0 ? pos : k - pos) / (double)k;
        /* the suffix must start with a difference of the shift's sign */
        if (fabs(mean) < SHIFT_SIGMAS * sd || share < SHIFT_SIGN_SHARE || (d > 0) != (mean > 0))
            continue;
        double stat = fabs(mean) * sqrt((double)k);
        if (stat > best_stat) {
            best_stat = stat;
            best = i;
        }
    }
    return best;
}

double fc_jump_step(const fc_spec *sp, fc_state *st, double x)
{
    fc_spec jump = *sp;
    jump.alpha = 1;
    jump.beta = jump.gamma = jump.omega = 0;
    return fc_step(&jump, st, x);
}

/* Axes of nmc plot charts: ranges in round numbers and the ticks on them.
 * Linear ticks step by 1, 2 or 5 times a power of ten.  Logarithmic ticks
 * sit at powers of ten, with fainter ones at 2..9 times them on short axes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot.h"

/* Bounds of the tick count an axis aims at, whatever its length. */
#define NM_MIN_TARGET 2
#define NM_MAX_TARGET 12

/* Logarithmic axes spanning at most this many decades get minor ticks. */
#define NM_MINOR_DECADES 5

/* Powers of ten from 10^-NM_PLAIN_EXPONENT to 10^NM_PLAIN_EXPONENT are
 * labelled in decimals, such as 0.001; the others as 1e-5. */
#define NM_PLAIN_EXPONENT 4

/* Relative slack when rounding a range out to whole steps, so that a value
 * such as 0.30000000000000004 does not add a tick for 0.4. */
#define NM_SLACK 1e-9

static int nm_clamp_target(int target)
{
    if (target < NM_MIN_TARGET)
        return NM_MIN_TARGET;
    return target > NM_MAX_TARGET ? NM_MAX_TARGET : target;
}

/* The one of 1, 2, 5 times a power of ten nearest to RAW on a log scale,
 * so that an axis gets 0.6 to 1.6 times the ticks it aims at. */
static double nm_nice_step(double raw)
{
    double power = pow(10, floor(log10(raw)));
    double fraction = raw / power;
    if (fraction < sqrt(2))
        return power;
    if (fraction < sqrt(10))
        return 2 * power;
    if (fraction < sqrt(50))
        return 5 * power;
    return 10 * power;
}

void nm_plot_axis_linear(nm_plot_axis *axis, double min, double max, int target)
{
    memset(axis, 0, sizeof *axis);
    if (!(max > min)) {
        double pad = fabs(min) / 2;
        if (min == 0)
            max = 1;
        else {
            min -= pad;
            max += pad;
        }
    }

    axis->step = nm_nice_step((max - min) / nm_clamp_target(target));
    axis->low = floor(min / axis->step + NM_SLACK) * axis->step;
    axis->high = ceil(max / axis->step - NM_SLACK) * axis->step;
}

/* Rounds EXPONENT down (UP false) or up to a multiple of STRIDE. */
static int nm_round_exponent(int exponent, int stride, bool up)
{
    int rest = ((exponent % stride) + stride) % stride;
    if (rest == 0)
        return exponent;
    return up ? exponent + stride - rest : exponent - rest;
}

void nm_plot_axis_log(nm_plot_axis *axis, double min, double max, int target)
{
    memset(axis, 0, sizeof *axis);
    axis->logarithmic = true;
    int low = (int)floor(log10(min));
    int high = (int)ceil(log10(max));
    if (high <= low)
        high = low + 1;

    target = nm_clamp_target(target);
    axis->stride = (high - low + target - 1) / target;
    axis->low_exponent = nm_round_exponent(low, axis->stride, false);
    axis->high_exponent = nm_round_exponent(high, axis->stride, true);
    axis->low = pow(10, axis->low_exponent);
    axis->high = pow(10, axis->high_exponent);
}

double nm_plot_axis_fraction(const nm_plot_axis *axis, double value)
{
    if (!axis->logarithmic)
        return (value - axis->low) / (axis->high - axis->low);
    if (value <= 0)
        return 0;
    double decades = axis->high_exponent - axis->low_exponent;
    return (log10(value) - axis->low_exponent) / decades;
}

/* Writes VALUE, a multiple of STEP on an axis reaching MAGNITUDE, with as
 * many decimals as STEP needs.  Axes reaching 10000 count in thousands
 * ("25k"), and those reaching 10 million in millions ("1.5M"). */
static void nm_format_linear(double value, double step, double magnitude, char *text,
                             size_t size)
{
    if (magnitude >= 1e10 || step < 1e-6) {
        snprintf(text, size, "%.3g", value);
        return;
    }
    double scale = 1;
    const char *suffix = "";
    if (magnitude >= 1e7) {
        scale = 1e6;
        suffix = "M";
    } else if (magnitude >= 1e4) {
        scale = 1e3;
        suffix = "k";
    }
    int decimals = (int)-floor(log10(step / scale) + NM_SLACK);
    if (decimals < 0)
        decimals = 0;
    snprintf(text, size, "%.*f%s", decimals, value / scale, value == 0 ? "" : suffix);
}

static size_t nm_linear_ticks(const nm_plot_axis *axis, nm_plot_tick *ticks)
{
    double first = round(axis->low / axis->step);
    double count = round((axis->high - axis->low) / axis->step) + 1;
    /* A range too wide for a double's steps gets no ticks rather than
     * garbage. */
    if (!(count >= 1 && count <= NM_PLOT_MAX_TICKS))
        return 0;

    double magnitude = fmax(fabs(axis->low), fabs(axis->high));
    for (size_t i = 0; i < (size_t)count; i++) {
        double value = (first + (double)i) * axis->step;
        ticks[i].fraction = nm_plot_axis_fraction(axis, value);
        ticks[i].major = true;
        nm_format_linear(value, axis->step, magnitude, ticks[i].text, sizeof ticks[i].text);
    }
    return (size_t)count;
}

static void nm_format_power(int exponent, char *text, size_t size)
{
    if (exponent < -NM_PLAIN_EXPONENT || exponent > NM_PLAIN_EXPONENT)
        snprintf(text, size, "1e%d", exponent);
    else if (exponent < 0)
        snprintf(text, size, "%.*f", -exponent, pow(10, exponent));
    else
        snprintf(text, size, "%.0f", pow(10, exponent));
}

static size_t nm_log_ticks(const nm_plot_axis *axis, nm_plot_tick *ticks)
{
    double decades = axis->high_exponent - axis->low_exponent;
    bool minor = decades <= NM_MINOR_DECADES;
    size_t count = 0;
    for (int exponent = axis->low_exponent; exponent <= axis->high_exponent; exponent++) {
        if ((exponent - axis->low_exponent) % axis->stride == 0 && count < NM_PLOT_MAX_TICKS) {
            nm_plot_tick *tick = &ticks[count++];
            tick->fraction = (exponent - axis->low_exponent) / decades;
            tick->major = true;
            nm_format_power(exponent, tick->text, sizeof tick->text);
        }
        for (int k = 2; minor && k <= 9 && exponent < axis->high_exponent; k++) {
            nm_plot_tick *tick = &ticks[count++];
            tick->fraction = (exponent - axis->low_exponent + log10(k)) / decades;
            tick->major = false;
            tick->text[0] = '\0';
        }
    }
    return count;
}

size_t nm_plot_axis_ticks(const nm_plot_axis *axis, nm_plot_tick *ticks)
{
    return axis->logarithmic ? nm_log_ticks(axis, ticks) : nm_linear_ticks(axis, ticks);
}

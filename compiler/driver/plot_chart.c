/* The SVG chart of nmc plot: one curve per training log and measure, with
 * axes, a grid, reference lines and a legend.  Coordinates are written with
 * one decimal, so the same logs always give the same bytes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "plot.h"

/* Layout, in pixels.  Text widths are estimates, because the SVG viewer
 * picks the font: NM_CHAR_WIDTH is about the mean advance of a 12 px sans
 * serif character (DejaVu Sans is wider than Arial). */
#define NM_FONT_SIZE 12
#define NM_TITLE_SIZE 16
#define NM_CHAR_WIDTH 7.0
#define NM_TITLE_CHAR_WIDTH 9.5
#define NM_MARGIN_TOP 44
#define NM_MARGIN_BOTTOM 52
#define NM_MARGIN_OUTER 12
#define NM_TICK_LENGTH 5
#define NM_LEGEND_SAMPLE 24
#define NM_LEGEND_ROW 18
#define NM_X_TICK_SPACING 90
#define NM_Y_TICK_SPACING 50

/* Maximum characters of a legend label.  A longer label is cut and ends in
 * an ellipsis. */
#define NM_MAX_LABEL_CHARS 28

/* The colors of the curves, one per log: the ten colors of D3's
 * schemeCategory10 (d3-scale-chromatic 3.1.0), a common palette for
 * categories. */
static const char *const nm_palette[NM_PLOT_MAX_LOGS] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

/* One line of the chart: a measure of one log. */
typedef struct nm_curve {
    const nm_plot_log *log;
    nm_plot_column column;
    const char *color;
    bool dashed; /* train_cost_bits beside eval_cost_bits */
} nm_curve;

/* The chart being drawn: its curves, axes and the plot area in pixels. */
typedef struct nm_render {
    const nm_plot_chart *chart;
    nm_buf *out;
    nm_curve curves[2 * NM_PLOT_MAX_LOGS];
    size_t curve_count;
    nm_plot_axis x, y;
    nm_plot_tick y_ticks[NM_PLOT_MAX_TICKS];
    size_t y_tick_count;
    double left, top, right, bottom;
    size_t label_limit; /* characters a legend label may show */
} nm_render;

/* Lists the curves: with_train_cost draws the training cost dashed first,
 * so the evaluation cost lies on top. */
static void nm_collect_curves(nm_render *render)
{
    const nm_plot_chart *chart = render->chart;
    for (int pass = 0; pass < 2; pass++) {
        bool dashed = pass == 0;
        if (dashed && !chart->with_train_cost)
            continue;
        nm_plot_column column = dashed ? NM_PLOT_TRAIN_COST : chart->y_column;
        for (size_t i = 0; i < chart->log_count; i++) {
            if (!chart->logs[i].values[column])
                continue;
            nm_curve *curve = &render->curves[render->curve_count++];
            curve->log = &chart->logs[i];
            curve->column = column;
            curve->color = nm_palette[i];
            curve->dashed = dashed;
        }
    }
}

/* Finds the range of the values of every curve and reference line.
 * Returns false when there is no value to draw. */
static bool nm_y_range(const nm_render *render, double *min, double *max)
{
    const nm_plot_chart *chart = render->chart;
    *min = INFINITY;
    *max = -INFINITY;
    for (size_t i = 0; i < render->curve_count; i++) {
        const nm_curve *curve = &render->curves[i];
        const double *values = curve->log->values[curve->column];
        for (size_t row = 0; row < curve->log->row_count; row++) {
            double value = values[row];
            if (isnan(value) || (chart->log_y && value <= 0))
                continue;
            *min = fmin(*min, value);
            *max = fmax(*max, value);
        }
    }
    if (*min > *max)
        return false;
    for (size_t i = 0; i < chart->hline_count; i++) {
        *min = fmin(*min, chart->hlines[i]);
        *max = fmax(*max, chart->hlines[i]);
    }
    return true;
}

static void nm_x_range(const nm_render *render, double *min, double *max)
{
    const nm_plot_chart *chart = render->chart;
    *min = INFINITY;
    *max = -INFINITY;
    for (size_t i = 0; i < chart->log_count; i++) {
        const nm_plot_log *log = &chart->logs[i];
        for (size_t row = 0; row < log->row_count; row++) {
            *min = fmin(*min, log->values[chart->x_column][row]);
            *max = fmax(*max, log->values[chart->x_column][row]);
        }
    }
}

static size_t nm_char_count(const char *text)
{
    size_t length = strlen(text);
    size_t chars = 0;
    for (size_t at = 0; at < length; chars++) {
        size_t size = nm_utf8_sequence(text, at, length);
        at += size ? size : 1;
    }
    return chars;
}

/* Appends the character of SIZE bytes at TEXT escaped for XML.  A byte that
 * starts no valid UTF-8 character (SIZE 0) and a control character, which
 * XML 1.0 forbids, become U+FFFD. */
static void nm_svg_char(nm_buf *out, const char *text, size_t size)
{
    unsigned char byte = (unsigned char)text[0];
    if (size == 0 || byte < 0x20 || byte == 0x7f)
        nm_buf_puts(out, "\xEF\xBF\xBD");
    else if (byte == '&')
        nm_buf_puts(out, "&amp;");
    else if (byte == '<')
        nm_buf_puts(out, "&lt;");
    else if (byte == '>')
        nm_buf_puts(out, "&gt;");
    else if (byte == '"')
        nm_buf_puts(out, "&quot;");
    else
        nm_buf_append(out, text, size);
}

/* Appends TEXT escaped for XML.  A text of more than MAX_CHARS characters
 * is cut to MAX_CHARS - 1 of them and an ellipsis. */
static void nm_svg_text(nm_buf *out, const char *text, size_t max_chars)
{
    size_t length = strlen(text);
    bool cut = nm_char_count(text) > max_chars;
    size_t kept_chars = cut ? max_chars - 1 : max_chars;
    size_t at = 0;
    for (size_t chars = 0; at < length && chars < kept_chars; chars++) {
        size_t size = nm_utf8_sequence(text, at, length);
        nm_svg_char(out, text + at, size);
        at += size ? size : 1;
    }
    if (cut)
        nm_buf_puts(out, "\xE2\x80\xA6");
}

/* The texts of the legend's key for the two line styles. */
static const char nm_key_solid[] = "evaluation cost";
static const char nm_key_dashed[] = "training cost";

/* Characters a legend label may show on a chart WIDTH pixels wide: the
 * legend takes at most about 35% of the width, and at least room for the
 * key "evaluation cost". */
static size_t nm_label_limit(int width)
{
    double fit = (0.35 * width - NM_LEGEND_SAMPLE - 8) / NM_CHAR_WIDTH;
    if (fit < sizeof nm_key_solid - 1)
        return sizeof nm_key_solid - 1;
    return fit > NM_MAX_LABEL_CHARS ? NM_MAX_LABEL_CHARS : (size_t)fit;
}

static bool nm_has_dashed_curve(const nm_render *render)
{
    for (size_t i = 0; i < render->curve_count; i++)
        if (render->curves[i].dashed)
            return true;
    return false;
}

static double nm_legend_width(nm_render *render)
{
    const nm_plot_chart *chart = render->chart;
    size_t limit = nm_label_limit(chart->width);
    size_t widest = nm_has_dashed_curve(render) ? strlen(nm_key_solid) : 0;
    for (size_t i = 0; i < chart->log_count; i++) {
        size_t chars = nm_char_count(chart->labels[i]);
        chars = chars > limit ? limit : chars;
        widest = chars > widest ? chars : widest;
    }
    render->label_limit = limit;
    return NM_LEGEND_SAMPLE + 8 + (double)widest * NM_CHAR_WIDTH;
}

/* Fits the y axis to the values.  On a logarithmic axis values of 0 or less
 * are left out of the range, and drawn at its bottom. */
static bool nm_fit_y(nm_render *render)
{
    const nm_plot_chart *chart = render->chart;
    double min, max;
    if (!nm_y_range(render, &min, &max)) {
        fprintf(stderr, "nmc plot: error: the logs have no %s value%s to draw%s\n",
                nm_plot_column_name(chart->y_column), chart->log_y ? " above 0" : "",
                chart->log_y ? "; plot without --log-y" : "");
        return false;
    }
    int target = (int)((render->bottom - render->top) / NM_Y_TICK_SPACING);
    if (chart->log_y) {
        nm_plot_axis_log(&render->y, min, max, target);
    } else {
        /* Costs and error counts are 0 or more, so their axis starts at 0
         * and shows how far a curve is from perfect. */
        nm_plot_axis_linear(&render->y, min >= 0 ? 0 : min, max, target);
    }
    render->y_tick_count = nm_plot_axis_ticks(&render->y, render->y_ticks);
    return true;
}

/* Places the plot area: the title above it, the y labels on its left, the
 * x labels below it and the legend on its right. */
static bool nm_layout(nm_render *render)
{
    const nm_plot_chart *chart = render->chart;
    render->top = NM_MARGIN_TOP;
    render->bottom = chart->height - NM_MARGIN_BOTTOM;
    if (!nm_fit_y(render))
        return false;

    size_t widest = 0;
    for (size_t i = 0; i < render->y_tick_count; i++) {
        size_t chars = strlen(render->y_ticks[i].text);
        widest = chars > widest ? chars : widest;
    }
    render->left = NM_MARGIN_OUTER + NM_FONT_SIZE + 8 + (double)widest * NM_CHAR_WIDTH
                   + NM_TICK_LENGTH + 4;
    render->right = chart->width - NM_MARGIN_OUTER - 16 - nm_legend_width(render);

    double min, max;
    nm_x_range(render, &min, &max);
    int target = (int)((render->right - render->left) / NM_X_TICK_SPACING);
    nm_plot_axis_linear(&render->x, min, max, target);
    return true;
}

static double nm_pixel_x(const nm_render *render, double value)
{
    double fraction = nm_plot_axis_fraction(&render->x, value);
    return render->left + fraction * (render->right - render->left);
}

static double nm_pixel_y(const nm_render *render, double value)
{
    double fraction = nm_plot_axis_fraction(&render->y, value);
    return render->bottom - fraction * (render->bottom - render->top);
}

/* Rounds a coordinate to the one decimal written, without a negative zero. */
static double nm_tenths(double pixel)
{
    return round(pixel * 10) / 10 + 0.0;
}

static void nm_emit_head(nm_render *render)
{
    const nm_plot_chart *chart = render->chart;
    nm_buf *out = render->out;
    nm_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    nm_buf_printf(out,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                  "height=\"%d\" viewBox=\"0 0 %d %d\"\n"
                  "     font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
                  "font-size=\"%d\">\n",
                  chart->width, chart->height, chart->width, chart->height, NM_FONT_SIZE);
    nm_buf_puts(out, "<title>");
    nm_svg_text(out, chart->title, SIZE_MAX);
    nm_buf_puts(out, "</title>\n");
    nm_buf_puts(out, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
}

static void nm_emit_title(nm_render *render)
{
    const nm_plot_chart *chart = render->chart;
    size_t limit = (size_t)((chart->width - 2 * NM_MARGIN_OUTER) / NM_TITLE_CHAR_WIDTH);
    nm_buf_printf(render->out,
                  "<text x=\"%.1f\" y=\"28\" font-size=\"%d\" font-weight=\"bold\" "
                  "text-anchor=\"middle\" fill=\"#222222\">",
                  chart->width / 2.0, NM_TITLE_SIZE);
    nm_svg_text(render->out, chart->title, limit);
    nm_buf_puts(render->out, "</text>\n");
}

/* Draws the grid, a line at each tick (fainter at minor ticks), and the
 * frame of the plot area.  The curves come later and lie on top, so that a
 * curve along an edge, such as a cost of 0, stays visible. */
static void nm_emit_grid(nm_render *render, const nm_plot_tick *x_ticks, size_t x_count)
{
    nm_buf *out = render->out;
    nm_buf_puts(out, "<g stroke-width=\"1\" shape-rendering=\"crispEdges\">\n");
    for (size_t i = 0; i < render->y_tick_count; i++) {
        const nm_plot_tick *tick = &render->y_ticks[i];
        double y = nm_tenths(render->bottom - tick->fraction * (render->bottom - render->top));
        nm_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                      render->left, y, render->right, y, tick->major ? "#e0e0e0" : "#f2f2f2");
    }
    for (size_t i = 0; i < x_count; i++) {
        double x = nm_tenths(render->left + x_ticks[i].fraction * (render->right - render->left));
        nm_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                           "stroke=\"#e0e0e0\"/>\n",
                      x, render->top, x, render->bottom);
    }
    nm_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                       "fill=\"none\" stroke=\"#444444\"/>\n",
                  render->left, render->top, render->right - render->left,
                  render->bottom - render->top);
    nm_buf_puts(out, "</g>\n");
}

static void nm_emit_y_ticks(nm_render *render)
{
    nm_buf *out = render->out;
    for (size_t i = 0; i < render->y_tick_count; i++) {
        const nm_plot_tick *tick = &render->y_ticks[i];
        if (!tick->major)
            continue;
        double y = nm_tenths(render->bottom - tick->fraction * (render->bottom - render->top));
        nm_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                           "stroke=\"#444444\"/>\n",
                      render->left - NM_TICK_LENGTH, y, render->left, y);
        nm_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s"
                           "</text>\n",
                      render->left - NM_TICK_LENGTH - 3, y + 4, tick->text);
    }
}

static void nm_emit_x_ticks(nm_render *render, const nm_plot_tick *ticks, size_t count)
{
    nm_buf *out = render->out;
    for (size_t i = 0; i < count; i++) {
        double x = nm_tenths(render->left + ticks[i].fraction * (render->right - render->left));
        nm_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                           "stroke=\"#444444\"/>\n",
                      x, render->bottom, x, render->bottom + NM_TICK_LENGTH);
        nm_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                      x, render->bottom + NM_TICK_LENGTH + 14, ticks[i].text);
    }
}

static const char *nm_y_title(nm_plot_column column)
{
    if (column == NM_PLOT_EVAL_ERRORS)
        return "wrong bits per sequence";
    return "cost (bits per sequence)";
}

/* Draws the ticks with their labels and the axis titles. */
static void nm_emit_axes(nm_render *render, const nm_plot_tick *x_ticks, size_t x_count)
{
    const nm_plot_chart *chart = render->chart;
    nm_buf *out = render->out;
    nm_buf_puts(out, "<g fill=\"#222222\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n");
    nm_emit_y_ticks(render);
    nm_emit_x_ticks(render, x_ticks, x_count);
    nm_buf_printf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                  nm_tenths((render->left + render->right) / 2), chart->height - 14,
                  nm_plot_column_name(chart->x_column));
    nm_buf_printf(out, "<text transform=\"translate(%d %.1f) rotate(-90)\" "
                       "text-anchor=\"middle\">%s</text>\n",
                  NM_MARGIN_OUTER + NM_FONT_SIZE, nm_tenths((render->top + render->bottom) / 2),
                  nm_y_title(chart->y_column));
    nm_buf_puts(out, "</g>\n");
}

/* A run of points of one curve between two missing values. */
typedef struct nm_segment {
    nm_buf points;
    size_t count;
    double last_x, last_y;
} nm_segment;

/* Draws SEGMENT as a line, or as a dot when it has one point, and empties
 * it. */
static void nm_flush_segment(nm_render *render, const nm_curve *curve, nm_segment *segment)
{
    if (segment->count == 1) {
        nm_buf_printf(render->out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/>\n",
                      segment->last_x, segment->last_y, curve->color);
    } else if (segment->count > 1) {
        nm_buf_printf(render->out, "<polyline stroke=\"%s\"%s points=\"%s\"/>\n", curve->color,
                      curve->dashed ? " stroke-width=\"1.2\" stroke-dasharray=\"5 3\""
                                    : " stroke-width=\"1.8\"",
                      segment->points.data);
    }
    segment->points.length = 0;
    if (segment->points.data)
        segment->points.data[0] = '\0';
    segment->count = 0;
}

static void nm_segment_add(nm_segment *segment, double x, double y)
{
    if (segment->count > 0 && x == segment->last_x && y == segment->last_y)
        return;
    nm_buf_printf(&segment->points, "%s%.1f,%.1f", segment->count ? " " : "", x, y);
    segment->count++;
    segment->last_x = x;
    segment->last_y = y;
}

/* A point of a curve in pixels, and its row in the log. */
typedef struct nm_point {
    double x, y;
    size_t row;
} nm_point;

/* Consecutive points of a curve that fall into one column half a pixel
 * wide.  Only four of them are drawn: the first, the lowest, the highest
 * and the last.  The line looks the same, and a log of a million rows
 * still gives an SVG of a few thousand points per curve. */
typedef struct nm_column_run {
    size_t count;
    double column;
    nm_point points[4]; /* first, lowest, highest, last */
} nm_column_run;

/* Adds the points of RUN to SEGMENT in the order of their rows. */
static void nm_flush_run(nm_column_run *run, nm_segment *segment)
{
    nm_point *points = run->points;
    for (size_t i = 1; i < 4; i++) {
        for (size_t j = i; j > 0 && points[j].row < points[j - 1].row; j--) {
            nm_point swap = points[j];
            points[j] = points[j - 1];
            points[j - 1] = swap;
        }
    }
    for (size_t i = 0; i < 4 && run->count > 0; i++)
        nm_segment_add(segment, points[i].x, points[i].y);
    run->count = 0;
}

static void nm_run_add(nm_column_run *run, nm_segment *segment, nm_point point)
{
    double column = floor(point.x * 2);
    if (run->count > 0 && column != run->column)
        nm_flush_run(run, segment);
    if (run->count == 0) {
        run->column = column;
        for (size_t i = 0; i < 4; i++)
            run->points[i] = point;
    }
    if (point.y < run->points[1].y)
        run->points[1] = point;
    if (point.y > run->points[2].y)
        run->points[2] = point;
    run->points[3] = point;
    run->count++;
}

/* Draws a curve.  A missing value (NAN) breaks it into segments. */
static void nm_emit_curve(nm_render *render, const nm_curve *curve)
{
    const double *xs = curve->log->values[render->chart->x_column];
    const double *ys = curve->log->values[curve->column];
    nm_segment segment;
    memset(&segment, 0, sizeof segment);
    nm_buf_init(&segment.points);
    nm_column_run run = {0};

    for (size_t row = 0; row < curve->log->row_count; row++) {
        if (isnan(ys[row])) {
            nm_flush_run(&run, &segment);
            nm_flush_segment(render, curve, &segment);
            continue;
        }
        nm_point point = {nm_tenths(nm_pixel_x(render, xs[row])),
                          nm_tenths(nm_pixel_y(render, ys[row])), row};
        nm_run_add(&run, &segment, point);
    }
    nm_flush_run(&run, &segment);
    nm_flush_segment(render, curve, &segment);
    nm_buf_free(&segment.points);
}

static void nm_emit_curves(nm_render *render)
{
    /* Every value lies inside the axis ranges, so nothing needs clipping. */
    nm_buf_puts(render->out, "<g fill=\"none\" stroke-linejoin=\"round\" "
                             "stroke-linecap=\"round\">\n");
    for (size_t i = 0; i < render->curve_count; i++)
        nm_emit_curve(render, &render->curves[i]);
    nm_buf_puts(render->out, "</g>\n");
}

/* Draws the reference lines of --hline, each labelled with its value at
 * the right end: above the line, or below it when the line is at the top. */
static void nm_emit_hlines(nm_render *render)
{
    const nm_plot_chart *chart = render->chart;
    nm_buf *out = render->out;
    for (size_t i = 0; i < chart->hline_count; i++) {
        double y = nm_tenths(nm_pixel_y(render, chart->hlines[i]));
        double label_y = y - render->top < NM_FONT_SIZE + 4 ? y + NM_FONT_SIZE + 2 : y - 4;
        nm_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                           "stroke=\"#444444\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"/>\n",
                      render->left, y, render->right, y);
        nm_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444444\">",
                      render->right - 4, label_y);
        nm_svg_text(out, chart->hline_texts[i], NM_MAX_LABEL_CHARS);
        nm_buf_puts(out, "</text>\n");
    }
}

/* Draws one legend row: a line sample and its text. */
static void nm_emit_legend_row(nm_render *render, double y, const char *color, bool dashed,
                               const char *text)
{
    double x = render->right + 16;
    nm_buf_printf(render->out,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" %s/>\n", x,
                  y, x + NM_LEGEND_SAMPLE, y, color,
                  dashed ? "stroke-width=\"1.2\" stroke-dasharray=\"5 3\"" : "stroke-width=\"2\"");
    nm_buf_printf(render->out, "<text x=\"%.1f\" y=\"%.1f\">", x + NM_LEGEND_SAMPLE + 8, y + 4);
    nm_svg_text(render->out, text, render->label_limit);
    nm_buf_puts(render->out, "</text>\n");
}

/* Draws the legend right of the plot area: a row per log in its color,
 * then, when training costs are drawn, a key to the two line styles. */
static void nm_emit_legend(nm_render *render)
{
    const nm_plot_chart *chart = render->chart;
    nm_buf_puts(render->out, "<g fill=\"#222222\">\n");
    double y = render->top + 8;
    for (size_t i = 0; i < chart->log_count; i++, y += NM_LEGEND_ROW)
        nm_emit_legend_row(render, y, nm_palette[i], false, chart->labels[i]);
    if (nm_has_dashed_curve(render)) {
        y += NM_LEGEND_ROW / 2;
        nm_emit_legend_row(render, y, "#555555", false, nm_key_solid);
        nm_emit_legend_row(render, y + NM_LEGEND_ROW, "#555555", true, nm_key_dashed);
    }
    nm_buf_puts(render->out, "</g>\n");
}

bool nm_plot_render(const nm_plot_chart *chart, nm_buf *out)
{
    nm_render render;
    memset(&render, 0, sizeof render);
    render.chart = chart;
    render.out = out;
    nm_collect_curves(&render);
    if (!nm_layout(&render))
        return false;

    nm_plot_tick x_ticks[NM_PLOT_MAX_TICKS];
    size_t x_count = nm_plot_axis_ticks(&render.x, x_ticks);
    nm_emit_head(&render);
    nm_emit_grid(&render, x_ticks, x_count);
    nm_emit_curves(&render);
    nm_emit_hlines(&render);
    nm_emit_axes(&render, x_ticks, x_count);
    nm_emit_legend(&render);
    nm_emit_title(&render);
    nm_buf_puts(out, "</svg>\n");
    return true;
}

/*
 * codec.h - JSON text <-> model structs, at the edge. cJSON stays inside
 * src/codec/; other modules see only validated structs and text.
 */
#ifndef SCALEADVISOR_CODEC_H
#define SCALEADVISOR_CODEC_H

#include <stddef.h>

#include "scaleadvisor/buf.h"
#include "scaleadvisor/model.h"

#define SA_CODEC_CONTEXT_MAX (64u << 20) /* bytes of context JSON */
#define SA_CODEC_HISTORY_MAX 100000      /* history entries */

/* Parse the context JSON of ../shared/interface.md (len bytes of text).
 * Every field is checked (types, ranges: replicas >= 0, min >= 1,
 * max >= min, percentages finite and >= 0, history evenly spaced and
 * oldest first); unknown keys are ignored. On error: SA_ERR_PARSE or
 * SA_ERR_SCHEMA with a message naming the field, e.g.
 * "deployment.max_replicas: must be >= min_replicas". out must be
 * initialised; on success it is replaced (old history freed) and owns the
 * new history (sa_context_release); on failure it is untouched.
 * Beyond interface.md, accepted: deployment.target_cpu_percent (else the
 * HPA's target, else 70) and deployment.preset; metrics.request_rate and
 * metrics.observed_at (epoch s or ISO-8601; absent = 0 = unknown);
 * history[].request_rate; hpa.behavior (an HPA's spec.behavior, below);
 * "degraded" (string). namespace defaults to
 * "default". Metric values may be null (= unknown). At most
 * SA_CODEC_CONTEXT_MAX bytes and SA_CODEC_HISTORY_MAX history entries
 * (SA_ERR_TOOBIG). */
SA_MUST_CHECK sa_err sa_codec_context_parse(const char *text, size_t len, sa_context *out,
                                            sa_errbuf *eb);
/* An HPA's spec.behavior (autoscaling/v2: scaleUp and scaleDown, each
 * with stabilizationWindowSeconds 0..3600, selectPolicy Max, Min or
 * Disabled, and policies [{type Pods or Percent, value > 0, periodSeconds
 * 1..1800}], at most 10) into *up and *down, both set; what is absent
 * takes the controller's defaults, as the API server fills them in. For
 * the context's hpa.behavior and the Kubernetes source, which parses its
 * replies with cJSON. SA_ERR_SCHEMA naming the field (under path). */
struct cJSON;
SA_MUST_CHECK sa_err sa_codec_behavior_parse(const struct cJSON *behavior, const char *path,
                                             sa_scaling_rules *up, sa_scaling_rules *down,
                                             sa_errbuf *eb);
/* The context as JSON (same shape as parsed). */
SA_MUST_CHECK sa_err sa_codec_context_json(const sa_context *c, sa_buf *out);

/* The recommendation object of ../shared/interface.md, appended to out.
 * Absent recommendations are null; llm_status.error "" is null. */
SA_MUST_CHECK sa_err sa_codec_result_json(const sa_result *r, sa_buf *out);
/* One sa_rec as a JSON object (or null when !present). */
SA_MUST_CHECK sa_err sa_codec_rec_json(const sa_rec *r, sa_buf *out);

#endif

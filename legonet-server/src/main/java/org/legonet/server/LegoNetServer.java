package org.legonet.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelInfo;
import org.legonet.core.Predictions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unlearning service: a model directory (held for update through {@link LegoNet}), its
 * {@link ForgetService}, and the REST API over them.
 *
 * <pre>
 * POST /v1/predict        {"instances": [[f1, f2, ...], ...]}  -> {"model_digest", "generation", "mask",
 *                                                                  "predictions": [{"label", "probabilities", "adapters"}]}
 * POST /v1/forget         {"ids": [..]} or {"class": C}        -> 202 {"request_id", "state": "masked"}
 * POST /v1/samples        {"samples": [{"id", "label", "features"}, ...]} -> 202 {"request_id", "state"}
 * GET  /v1/requests/{id}  ?wait_seconds=N                      -> {"request_id", "kind", "state", "receipt"}
 * GET  /v1/forget/{id}    the same (the path forgets were first given)
 * GET  /v1/model          manifest summary, deletions, digest, empty adapters
 * GET  /v1/health         liveness (no token): "ok", or "degraded" when no adapter holds a sample
 * GET  /metrics           Prometheus text
 * GET  /openapi.json      the OpenAPI 3 document of all of these (no token)
 * </pre>
 *
 * Every error is {@code {"error": {"code", "message"}}} with a fitting status; core's typed errors
 * get theirs in one place, {@link ApiError#of}.
 *
 * <p>Predictions are answered under the mask of the forgets accepted and not yet committed (see
 * {@link ForgetService}): each answer names the model digest, its generation and the mask, and
 * each prediction the adapters that voted. A sample the mask leaves no adapter waits for a commit
 * up to the configured bound, then gets 503 {@code masked} with {@code Retry-After}.
 */
public final class LegoNetServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("legonet.server");
    private static final String STARTED = "legonet.started";
    /** The longest a status request may wait for its request to finish. */
    static final int MAX_WAIT_SECONDS = 60;

    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final ForgetService forgets;
    private final Javalin app;
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Bounds the CPU predictions take, so that retraining keeps its share. */
    private final Semaphore predicting;
    private volatile boolean closing;

    private LegoNetServer(ServerConfig config, ServerMetrics metrics, ForgetService forgets) {
        this.config = config;
        this.metrics = metrics;
        this.forgets = forgets;
        this.predicting = new Semaphore(config.predictConcurrency());
        this.app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.startupWatcherEnabled = false;
            cfg.http.prefer405over404 = true;
            cfg.http.maxRequestSize = config.maxBodyBytes();
        });
        routes();
    }

    /**
     * Opens the model directory for writing (its lock keeps every other writer out while the
     * service runs), recovers the requests a crash left, starts the worker and listens.
     */
    public static LegoNetServer start(ServerConfig config) {
        ServerMetrics metrics = new ServerMetrics();
        ForgetService forgets = null;
        try {
            forgets = ForgetService.open(config, metrics);
            LegoNetServer server = new LegoNetServer(config, metrics, forgets);
            forgets.start();
            try {
                server.app.start(config.host(), config.port());
            } catch (RuntimeException e) {
                throw new LegoNetException("cannot listen on " + config.host() + ":" + config.port() + ": "
                        + rootMessage(e));
            }
            LegoNet m = forgets.serving().model();
            LOG.info("serving model {} ({}) on {}", m.dir().getFileName(), m.digest().substring(0, 16), server.url());
            return server;
        } catch (RuntimeException e) {
            if (forgets != null) {
                forgets.close();
            }
            metrics.close();
            throw e;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** The port it listens on (the chosen one when configured with 0). */
    public int port() {
        return app.port();
    }

    /** {@code http://host:port}. */
    public String url() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + h + ":" + port();
    }

    /** The digest of the model served now. */
    public String modelDigest() {
        return forgets.serving().model().digest();
    }

    /** Requests (forgets and adds) accepted and not yet done. */
    public int queueDepth() {
        return forgets.depth();
    }

    /** The routes it serves, {@code "METHOD /path"}. */
    List<String> endpoints() {
        return OpenApi.endpoints(app);
    }

    /** Receipts in the chain. */
    public int receipts() {
        return forgets.receiptCount();
    }

    // ------------------------------------------------------------------------------------------
    // Routes

    private void routes() {
        app.before(ctx -> ctx.attribute(STARTED, System.nanoTime()));
        app.after(this::record);
        app.post("/v1/predict", config.openPredict() ? this::predict : guarded(this::predict));
        app.post("/v1/forget", guarded(this::forget));
        app.post("/v1/samples", guarded(this::samples));
        app.get("/v1/requests/{id}", guarded(this::status));
        app.get("/v1/forget/{id}", guarded(this::status));
        app.get("/v1/model", guarded(this::model));
        app.get("/v1/health", this::health);
        byte[] openApi = OpenApi.document(config.openPredict());
        app.get(OpenApi.PATH, ctx -> ctx.contentType("application/json").result(openApi));
        app.get("/metrics", guarded(ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.scrape())));
        app.exception(ApiError.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage()));
        app.exception(LegoNetException.class, (e, ctx) -> {
            ApiError a = ApiError.of(e);
            if (a.status() >= 500) {
                LOG.error("{} on {} {}", a.code(), ctx.method(), ctx.path(), e);
            }
            error(ctx, a.status(), a.code(), a.getMessage());
        });
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), codeOf(e.getStatus()),
                e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("internal error on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal", "internal error: " + e);
        });
        app.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                error(ctx, 404, "not_found", "no endpoint " + ctx.method() + " " + ctx.path());
            }
        });
        app.error(405, ctx -> error(ctx, 405, "method_not_allowed", "method " + ctx.method() + " is not allowed on "
                + ctx.path()));
    }

    private static String codeOf(int status) {
        return switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "body_too_large";
            case 400 -> "bad_request";
            default -> "http_" + status;
        };
    }

    private static void error(Context ctx, int status, String code, String message) {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("code", code);
        inner.put("message", message == null ? code : message.replaceAll("\\s*[\\r\\n]+\\s*", "; "));
        ctx.status(status).contentType("application/json").result(Json.bytes(Map.of("error", inner)));
        if (status == 401) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"legonet\"");
        }
    }

    private void record(Context ctx) {
        Long t0 = ctx.attribute(STARTED);
        if (t0 == null) {
            return;
        }
        String endpoint;
        try {
            endpoint = ctx.endpointHandlerPath();
        } catch (RuntimeException e) {
            endpoint = "unmatched";
        }
        if (endpoint == null || endpoint.isEmpty() || endpoint.equals("*")) {
            endpoint = "unmatched";
        }
        metrics.request(ctx.method().name(), endpoint, ctx.statusCode(), System.nanoTime() - t0);
    }

    private Handler guarded(Handler h) {
        return ctx -> {
            String auth = ctx.header("Authorization");
            if (auth == null || auth.isBlank()) {
                throw new ApiError(401, "unauthorized", "missing bearer token: send 'Authorization: Bearer TOKEN'");
            }
            String[] parts = auth.strip().split("\\s+", 2);
            if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
                throw new ApiError(401, "unauthorized", "the Authorization header must be 'Bearer TOKEN'");
            }
            if (!config.token().matches(parts[1].strip())) {
                throw new ApiError(401, "unauthorized", "wrong bearer token");
            }
            h.handle(ctx);
        };
    }

    private static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(Json.bytes(body));
    }

    // ------------------------------------------------------------------------------------------
    // Request bodies

    /** The request body, refused with 413 when longer than the limit (whatever Content-Length says). */
    private byte[] body(Context ctx) throws IOException {
        long max = config.maxBodyBytes();
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            ctx.header("Connection", "close");
            throw tooLarge(declared);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), max));
        byte[] buf = new byte[8192];
        long total = 0;
        try (InputStream in = ctx.req().getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > max) {
                    ctx.header("Connection", "close");
                    throw tooLarge(-1);
                }
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    private ApiError tooLarge(long size) {
        return new ApiError(413, "body_too_large", "the request body" + (size >= 0 ? " of " + size + " bytes" : "")
                + " is larger than the limit of " + config.maxBodyBytes() + " bytes");
    }

    private JsonNode jsonBody(Context ctx) throws IOException {
        return parse(body(ctx));
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes.length == 0) {
            throw ApiError.badRequest("malformed_json", "the request body is empty; send a JSON object");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage();
            msg = msg.lines().findFirst().orElse(msg)
                    .replaceAll("\\[Source: [^\\]]*line: (\\d+), column: (\\d+)\\]", "line $1, column $2");
            var loc = e.getLocation();
            throw ApiError.badRequest("malformed_json", "the request body is not valid JSON: " + msg
                    + (loc == null ? "" : " (at line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw ApiError.badRequest("invalid_request", "the request body must be a JSON object");
        }
        return root;
    }

    // ------------------------------------------------------------------------------------------
    // Handlers

    /**
     * One prediction as the API returns it.
     *
     * @param adapters the adapters that voted, nearest first
     */
    record Prediction(int label, float[] probabilities, int[] adapters) {
    }

    /** The mask an answer was computed under: its name and the masked adapters, ascending. */
    record MaskBody(String id, int[] adapters) {
        static MaskBody of(ForgetService.Serving s) {
            return new MaskBody(s.maskId(), s.mask().adapters());
        }
    }

    /** The predict response: the one model and mask that made every prediction in it. */
    record PredictResponse(String modelDigest, long generation, MaskBody mask, List<Prediction> predictions) {
    }

    private void predict(Context ctx) throws IOException, InterruptedException {
        byte[] body = body(ctx);
        JsonNode root = parse(body);
        float[] x = instances(root.get("instances"), forgets.serving().model().inputDim());
        long deadline = System.nanoTime() + config.maskWait().toNanos();
        while (true) {
            ForgetService.Serving s = forgets.serving();
            Predictions p;
            predicting.acquire();
            try {
                p = s.model().predict(x, x.length / s.model().inputDim(), s.mask());
            } finally {
                predicting.release();
            }
            if (p.allAnswered()) {
                answer(ctx, s, p);
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || forgets.awaitChange(s, left) == s) {
                metrics.predictionsMasked.increment();
                ctx.header("Retry-After", Long.toString(forgets.retryAfterSeconds()));
                throw new ApiError(503, "masked", unanswered(p) + " of " + p.size() + " instance"
                        + (p.size() == 1 ? "" : "s") + " had every adapter that would answer masked (they hold samples "
                        + "of forget requests being retrained) for " + config.maskWait().toMillis() + " ms; ask again later");
            }
        }
    }

    private static int unanswered(Predictions p) {
        int n = 0;
        for (int r = 0; r < p.size(); r++) {
            n += p.answered(r) ? 0 : 1;
        }
        return n;
    }

    private void answer(Context ctx, ForgetService.Serving s, Predictions p) {
        int rows = p.size();
        List<Prediction> out = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            out.add(new Prediction(p.label(r), p.probabilities(r), p.voters(r)));
        }
        metrics.predictions.increment(rows);
        json(ctx, 200, new PredictResponse(p.modelDigest(), s.model().generation(), MaskBody.of(s), out));
    }

    private float[] instances(JsonNode inst, int dim) {
        if (inst == null || !inst.isArray()) {
            throw ApiError.badRequest("invalid_request", "the body must be {\"instances\": [[f1, f2, ...], ...]} with "
                    + dim + " numbers per instance");
        }
        int rows = inst.size();
        if (rows == 0) {
            throw ApiError.badRequest("invalid_request", "\"instances\" is empty; send at least one instance");
        }
        if (rows > config.maxBatch()) {
            throw new ApiError(413, "batch_too_large", rows + " instances in one request; the limit is "
                    + config.maxBatch());
        }
        float[] x = new float[Math.multiplyExact(rows, dim)];
        for (int r = 0; r < rows; r++) {
            features(inst.get(r), "instances[" + r + "]", dim, x, r * dim);
        }
        return x;
    }

    /**
     * Reads one sample's raw features, {@code dim} finite numbers (each rounded to the nearest
     * 32-bit float), into {@code x} at {@code off}; {@code what} names it in errors.
     */
    private static void features(JsonNode row, String what, int dim, float[] x, int off) {
        if (row == null || !row.isArray()) {
            throw ApiError.badRequest("invalid_request", what + " is not a list of numbers");
        }
        if (row.size() != dim) {
            throw ApiError.badRequest("wrong_dimension", what + " has " + row.size() + " values; the model expects " + dim);
        }
        for (int c = 0; c < dim; c++) {
            JsonNode v = row.get(c);
            if (!v.isNumber()) {
                throw ApiError.badRequest("invalid_value", what + "[" + c + "] is not a number");
            }
            float f = (float) v.doubleValue();
            if (!Float.isFinite(f)) {
                throw ApiError.badRequest("invalid_value", what + "[" + c + "] is "
                        + (Double.isNaN(v.doubleValue()) ? "NaN" : "infinite or beyond the float range")
                        + "; every feature must be a finite number");
            }
            x[off + c] = f;
        }
    }

    private void forget(Context ctx) throws IOException {
        JsonNode root = jsonBody(ctx);
        boolean hasIds = root.has("ids");
        boolean hasClass = root.has("class");
        if (hasIds == hasClass) {
            throw ApiError.badRequest("invalid_request", "give either \"ids\" (a list of sample ids) or \"class\" "
                    + "(a class index), not " + (hasIds ? "both" : "neither"));
        }
        String id;
        if (hasClass) {
            JsonNode c = root.get("class");
            if (!c.isIntegralNumber() || !c.canConvertToInt()) {
                throw ApiError.badRequest("invalid_value", "\"class\" must be an integer class index, got " + c);
            }
            id = forgets.acceptForget(null, c.intValue(), arrival(ctx));
        } else {
            JsonNode ids = root.get("ids");
            if (!ids.isArray() || ids.isEmpty()) {
                throw ApiError.badRequest("invalid_value", "\"ids\" must be a non-empty list of integer sample ids");
            }
            long[] v = new long[ids.size()];
            for (int i = 0; i < v.length; i++) {
                JsonNode n = ids.get(i);
                if (!n.isIntegralNumber() || !n.canConvertToLong()) {
                    throw ApiError.badRequest("invalid_value", "ids[" + i + "] is not an integer sample id: " + n);
                }
                v[i] = n.longValue();
            }
            id = forgets.acceptForget(ForgetService.distinctSorted(v), null, arrival(ctx));
        }
        accepted(ctx, id, "/v1/forget/", "masked");
    }

    /** When the request arrived ({@link System#nanoTime()}). */
    private static long arrival(Context ctx) {
        Long t0 = ctx.attribute(STARTED);
        return t0 == null ? System.nanoTime() : t0;
    }

    /** 202 with the request's id, its state, and where its status is. */
    private static void accepted(Context ctx, String id, String statusPath, String state) {
        ctx.header("Location", statusPath + id);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", id);
        body.put("state", state);
        json(ctx, 202, body);
    }

    /**
     * {@code POST /v1/samples}: {@code {"samples": [{"id": N, "label": C, "features": [...]}, ...]}},
     * optionally {@code "readd_forgotten": true} to add again ids the model forgot. The shape of
     * the body is checked here (400, 413); what the samples mean to the model (ids held, forgotten
     * or repeated, labels outside the label set) is checked by the model when the request arrives
     * (409, 422); nothing is logged or queued for a refused request.
     */
    private void samples(Context ctx) throws IOException {
        JsonNode root = jsonBody(ctx);
        JsonNode samples = root.get("samples");
        int dim = forgets.serving().model().inputDim();
        if (samples == null || !samples.isArray() || samples.isEmpty()) {
            throw ApiError.badRequest("invalid_request", "the body must be {\"samples\": [{\"id\": N, \"label\": C, "
                    + "\"features\": [f1, f2, ...]}, ...]} with " + dim + " features per sample");
        }
        int n = samples.size();
        if (n > config.maxBatch()) {
            throw new ApiError(413, "batch_too_large", n + " samples in one request; the limit is " + config.maxBatch());
        }
        JsonNode readd = root.get("readd_forgotten");
        if (readd != null && !readd.isBoolean()) {
            throw ApiError.badRequest("invalid_value", "\"readd_forgotten\" must be true or false, got " + readd);
        }
        long[] ids = new long[n];
        int[] labels = new int[n];
        float[] x = new float[Math.multiplyExact(n, dim)];
        for (int i = 0; i < n; i++) {
            JsonNode s = samples.get(i);
            String at = "samples[" + i + "]";
            if (!s.isObject()) {
                throw ApiError.badRequest("invalid_request", at + " is not an object {\"id\", \"label\", \"features\"}");
            }
            JsonNode id = s.get("id");
            if (id == null || !id.isIntegralNumber() || !id.canConvertToLong()) {
                throw ApiError.badRequest("invalid_value", at + ".id is not an integer sample id: " + id);
            }
            ids[i] = id.longValue();
            JsonNode label = s.get("label");
            if (label == null || !label.isIntegralNumber() || !label.canConvertToInt() || label.intValue() < 0) {
                throw ApiError.badRequest("invalid_value", at + ".label is not a class index (an integer 0 or more): "
                        + label);
            }
            labels[i] = label.intValue();
            features(s.get("features"), at + ".features", dim, x, i * dim);
        }
        String id = forgets.acceptAdd(ids, labels, x, readd != null && readd.booleanValue(), arrival(ctx));
        accepted(ctx, id, "/v1/requests/", "queued");
    }

    private void status(Context ctx) {
        String id = ctx.pathParam("id");
        int wait = 0;
        String w = ctx.queryParam("wait_seconds");
        if (w != null) {
            try {
                wait = Integer.parseInt(w);
            } catch (NumberFormatException e) {
                wait = -1;
            }
            if (wait < 0 || wait > MAX_WAIT_SECONDS) {
                throw ApiError.badRequest("invalid_value", "wait_seconds must be an integer 0.." + MAX_WAIT_SECONDS);
            }
        }
        ForgetService.Status s = forgets.await(id, Duration.ofSeconds(wait));
        if (s == null) {
            throw new ApiError(404, "unknown_request", "no request " + id + " was accepted by this model");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", s.requestId());
        body.put("kind", s.add() ? "add" : "forget");
        body.put("state", s.state().name().toLowerCase(Locale.ROOT));
        body.put("received", s.received());
        if (s.masked() != null) {
            body.put("masked", s.masked());
        }
        if (s.adapters() != null) {
            body.put("masked_adapters", s.adapters().adapters());
        }
        if (s.receipt() != null) {
            body.put("committed", s.receipt().completed());
        }
        ForgetService.Timings t = s.timings();
        if (t != null && t.committedGeneration() >= 0) {
            body.put("committed_generation", t.committedGeneration());
        }
        if (t != null) {
            Map<String, Object> times = new LinkedHashMap<>();
            putMs(times, "masked_ms", t.maskedMs());
            putMs(times, "acknowledged_ms", t.acknowledgedMs());
            putMs(times, "committed_ms", t.committedMs());
            if (!times.isEmpty()) {
                body.put("timings", times);
            }
        }
        if (s.receipt() != null) {
            body.put("receipt", s.receipt());
        }
        if (s.error() != null) {
            body.put("error", Map.of("code", s.add() ? "add_failed" : "forget_failed", "message", s.error()));
        }
        json(ctx, 200, body);
    }

    private static void putMs(Map<String, Object> m, String key, double ms) {
        if (!Double.isNaN(ms)) {
            m.put(key, Math.round(ms * 1000) / 1000.0);
        }
    }

    private void model(Context ctx) {
        ForgetService.Serving served = forgets.serving();
        ModelInfo m = served.info();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model_digest", m.digest());
        body.put("generation", m.generation());
        body.put("created", m.created());
        body.put("updated", m.updated());
        body.put("legonet_version", m.legonetVersion());
        body.put("encoder", m.encoder());
        body.put("input_dim", m.inputDim());
        body.put("classes", m.classes());
        body.put("adapters", m.config().adapters());
        body.put("activate", m.config().activate());
        body.put("cover", m.config().cover());
        body.put("empty_adapters", m.emptyAdapters());
        body.put("private_samples", m.samplesEverHeld());
        body.put("retained_samples", m.retained());
        body.put("deletion_requests", m.updates());
        body.put("samples_forgotten", m.samplesForgotten());
        body.put("samples_added", m.samplesAdded());
        body.put("receipts", forgets.receiptCount());
        body.put("queue_depth", forgets.depth());
        body.put("mask", MaskBody.of(served));
        body.put("dataset", m.dataset());
        json(ctx, 200, body);
    }

    /**
     * Liveness, with the one state of the model a monitor should see: {@code "degraded"} (still
     * 200, since the service works and restarting it would not help) when every adapter is empty,
     * so that every prediction is the uniform distribution; {@code "ok"} otherwise. Some empty
     * adapters are normal after forgets and only counted.
     */
    private void health(Context ctx) {
        ModelInfo m = forgets.serving().info();
        int empty = m.emptyAdapters();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", closing ? "stopping" : empty == m.config().adapters() ? "degraded" : "ok");
        body.put("queue_depth", forgets.depth());
        body.put("empty_adapters", empty);
        json(ctx, closing ? 503 : 200, body);
    }

    // ------------------------------------------------------------------------------------------

    /**
     * Stops: no new connections, the worker finishes its batch (requests still queued stay in the
     * request log for the next start), the logs, the model and its writer lock are released.
     */
    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) {
            return;
        }
        closing = true;
        LOG.info("stopping");
        try {
            app.stop();
        } catch (RuntimeException e) {
            LOG.warn("stopping the HTTP server: {}", e.toString());
        }
        forgets.close();
        metrics.close();
        if (forgets.workerAlive()) {
            LOG.warn("keeping the model directory locked: the worker is still running");
        }
        LOG.info("stopped");
        closed.countDown();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }
}

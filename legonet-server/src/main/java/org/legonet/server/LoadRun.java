package org.legonet.server;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.legonet.core.ChangeRecord;
import org.legonet.core.LegoNet;

/**
 * A bounded load run against a service: {@code clients} threads predict without pause while
 * single-sample forget requests arrive at a steady rate (request i is sent at t0 + i/rate by a
 * small pool of senders, whatever the earlier answers take); the run ends when every forget
 * request is done (or the time limit passes). Reports predict throughput and latency, answers
 * refused while masked, the 202 latency, request-to-masked and request-to-committed times, the
 * write-ahead log's fsyncs per request, commits and adapters retrained, errors and acknowledged
 * requests that never completed (lost); and checks every predict answer against the masks of the
 * requests acknowledged before it was sent ({@link MaskCheck}).
 */
public final class LoadRun {
    /**
     * Threads sending forget requests, so that a slow 202 does not hold up the schedule: enough for
     * half a second of requests to be in flight at once, from 8 to 64.
     */
    static int senders(double rate) {
        return (int) Math.max(8, Math.min(64, Math.ceil(rate / 2)));
    }
    /** Violations described in detail. */
    static final int DETAIL = 5;

    private LoadRun() {
    }

    /**
     * @param clients      concurrent predict clients
     * @param forgetRate   forget requests per second, sent on a fixed schedule
     * @param predictBatch samples per predict request
     * @param timeout      the run ends by then whatever happens
     */
    public record Settings(int clients, double forgetRate, int predictBatch, Duration timeout) {
        public Settings {
            if (clients < 1 || predictBatch < 1) {
                throw new IllegalArgumentException("clients and batch must be at least 1");
            }
            if (!(forgetRate > 0) || Double.isInfinite(forgetRate)) {
                throw new IllegalArgumentException("the forget rate must be a positive number, got " + forgetRate);
            }
        }
    }

    /**
     * What the run measured. Times in seconds unless named otherwise; a server-reported figure the
     * server did not report is null.
     *
     * @param predictMasked        predict answers refused with 503 {@code masked} (not errors)
     * @param retryAfterMaxSeconds the largest Retry-After of those, 0 when none
     * @param forgetRate           the forget rate asked for, per second
     * @param achievedRate         forget requests sent per second, first to last send
     * @param scheduleLagMaxMs     the most a send came after its scheduled time
     * @param ackP50Ms             202 latency measured by the client, send to answer
     * @param serverAckP50Ms       the server's {@code timings.acknowledged_ms}, from the request's arrival
     * @param maskedP50Ms          the server's {@code timings.masked_ms}: arrival to the mask in force
     * @param completionP50        arrival to commit (the server's {@code timings.committed_ms}, else the receipt's times)
     * @param adaptersRetrained    adapters retrained, summed over the distinct commits of the run's receipts
     * @param walRecords           request-log records appended during the run ({@code /metrics})
     * @param walFsyncs            request-log fsyncs during the run ({@code /metrics})
     * @param fsyncsPerRequest     walFsyncs per acknowledged forget request
     * @param mask                 the masking check
     * @param requestIds           the acknowledged requests (not printed)
     */
    public record Result(int clients, long predictRequests, long predictSamples, double predictSeconds,
                         double predictPerSecond, double predictP50Ms, double predictP90Ms, double predictP99Ms,
                         double predictMaxMs, long predictErrors, long predictMasked, double retryAfterMaxSeconds,
                         int modelsServed, int forgetsSent, int forgetsAccepted, long forgetErrors, double forgetRate,
                         double achievedRate, double scheduleLagMaxMs, double ackP50Ms, double ackP99Ms,
                         Double serverAckP50Ms, Double serverAckP99Ms, Double maskedP50Ms, Double maskedP99Ms,
                         Double maskedMaxMs, double completionP50, double completionP99, double completionMax,
                         double allDoneSeconds, int commits, int adaptersRetrained, Double walRecords, Double walFsyncs,
                         Double fsyncsPerRequest, int failed, int lost, MaskCheck.Result mask,
                         List<String> errorSamples, @JsonIgnore List<String> requestIds) {
        /** No errors, nothing failed or lost, every forget acknowledged, and the masking check made and passed. */
        public boolean clean() {
            return predictErrors == 0 && forgetErrors == 0 && failed == 0 && lost == 0
                    && forgetsAccepted == forgetsSent && mask.clean();
        }
    }

    /**
     * Requests the model directory shows carried out more than once.
     *
     * @param receiptedTwice requests of the run with more than one receipt
     * @param erasedTwice    samples (id hashes) erased by more than one commit of the run's requests
     */
    public record Duplicates(int receiptedTwice, int erasedTwice) {
        /** Nothing doubled. */
        public boolean none() {
            return receiptedTwice == 0 && erasedTwice == 0;
        }
    }

    /**
     * Runs the load against {@code baseUrl}. Predict requests cycle through the rows of
     * {@code samples} ({@code dim} features each); the forget stream sends one request per id of
     * {@code forgetIds}, in order.
     */
    public static Result run(String baseUrl, String token, float[] samples, int dim, long[] forgetIds, Settings s,
                             Consumer<String> log) throws InterruptedException {
        Http http = new Http(baseUrl, token);
        String[] bodies = predictBodies(samples, dim, samples.length / dim, s.predictBatch());
        long t0 = System.nanoTime();
        long deadline = t0 + s.timeout().toNanos();
        Errors errors = new Errors();
        Map<String, Double> before = http.metrics(errors);
        AtomicBoolean stop = new AtomicBoolean();
        Predictor[] predictors = new Predictor[s.clients()];
        ExecutorService pool = Executors.newFixedThreadPool(s.clients());
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < s.clients(); c++) {
            predictors[c] = new Predictor(http, bodies, c, t0, deadline, stop, errors);
            running.add(pool.submit(predictors[c]));
        }

        // the forget stream on its schedule, then waiting for every acknowledged request to finish
        ForgetStream stream = ForgetStream.send(http, forgetIds, s.forgetRate(), t0, deadline, errors, log);
        List<MaskCheck.Request> requests = new ArrayList<>();
        List<Double> completion = new ArrayList<>();
        List<Double> serverAck = new ArrayList<>();
        List<Double> masked = new ArrayList<>();
        Map<Integer, Integer> commits = new HashMap<>();
        List<String> requestIds = new ArrayList<>();
        int failed = 0;
        int lost = 0;
        for (int f = 0; f < forgetIds.length; f++) {
            String id = stream.requestIds[f];
            if (id == null) {
                continue;
            }
            requestIds.add(id);
            JsonNode st = http.awaitDone(id, deadline, errors);
            String state = st == null ? "unknown" : st.path("state").asText();
            if (state.equals("failed")) {
                failed++;
            } else if (!state.equals("done")) {
                lost++;
            }
            if (st == null) {
                requests.add(new MaskCheck.Request(id, stream.ack[f], null, -1));
                continue;
            }
            JsonNode t = st.path("timings");
            add(serverAck, t.get("acknowledged_ms"));
            add(masked, t.get("masked_ms"));
            JsonNode rc = st.get("receipt");
            if (t.hasNonNull("committed_ms")) {
                completion.add(t.get("committed_ms").asDouble() / 1e3);
            } else if (rc != null && rc.hasNonNull("commit")) {
                completion.add(Duration.between(Instant.parse(rc.get("received").asText()),
                        Instant.parse(rc.get("completed").asText())).toNanos() / 1e9);
            }
            if (rc != null && rc.hasNonNull("commit")) {
                commits.put(rc.get("commit").asInt(), rc.path("adapters_retrained").size());
            }
            JsonNode gen = st.get("committed_generation");
            requests.add(new MaskCheck.Request(id, stream.ack[f], ints(st.get("masked_adapters")),
                    gen != null && gen.canConvertToLong() ? gen.asLong() : -1));
        }
        double allDone = (System.nanoTime() - t0) / 1e9 - stream.firstSendSeconds;
        stop.set(true);
        for (Future<?> f : running) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                errors.predict("client: " + e);
            }
        }
        pool.shutdownNow();
        double predictSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> after = http.metrics(errors);

        List<MaskCheck.Answer> answers = new ArrayList<>();
        Set<String> digests = new HashSet<>();
        long[] latency = new long[0];
        long predictMasked = 0;
        double retryAfter = 0;
        for (Predictor p : predictors) {
            answers.addAll(p.answers);
            digests.addAll(p.digests);
            int at = latency.length;
            latency = Arrays.copyOf(latency, at + p.latencies.length());
            System.arraycopy(p.latencies.values(), 0, latency, at, p.latencies.length());
            predictMasked += p.masked;
            retryAfter = Math.max(retryAfter, p.retryAfter);
        }
        Arrays.sort(latency);
        long[] acks = stream.ackLatencies();
        Arrays.sort(acks);
        double[] comp = sorted(completion);
        double[] serverAcks = sorted(serverAck);
        double[] maskedMs = sorted(masked);
        Double records = delta(before, after, "legonet_wal_records_total");
        Double fsyncs = delta(before, after, "legonet_wal_fsyncs_total");
        long total = latency.length;
        return new Result(s.clients(), total, total * s.predictBatch(), predictSeconds, total / predictSeconds,
                ms(pct(latency, 0.50)), ms(pct(latency, 0.90)), ms(pct(latency, 0.99)),
                ms(total == 0 ? 0 : latency[latency.length - 1]), errors.predict.get(), predictMasked, retryAfter,
                digests.size(), forgetIds.length, requestIds.size(), errors.forget.get(), s.forgetRate(),
                stream.achievedRate(), stream.lagMaxNanos / 1e6, ms(pct(acks, 0.50)), ms(pct(acks, 0.99)),
                pctOrNull(serverAcks, 0.50), pctOrNull(serverAcks, 0.99), pctOrNull(maskedMs, 0.50),
                pctOrNull(maskedMs, 0.99), pctOrNull(maskedMs, 1.0), pct(comp, 0.50), pct(comp, 0.99),
                pct(comp, 1.0), allDone, commits.size(), commits.values().stream().mapToInt(Integer::intValue).sum(),
                records, fsyncs, fsyncs == null || requestIds.isEmpty() ? null : fsyncs / requestIds.size(),
                failed, lost, MaskCheck.check(answers, requests, DETAIL), errors.samples(), List.copyOf(requestIds));
    }

    /**
     * Reads {@code model}'s directory for the requests of a run carried out twice: a request with
     * two receipts, or a sample erased by two commits of the run's requests.
     */
    public static Duplicates duplicates(LegoNet model, Collection<String> requestIds) {
        Set<String> run = new HashSet<>(requestIds);
        Map<String, Integer> receipts = new HashMap<>();
        for (Receipt r : ReceiptLog.check(model.dir()).receipts()) {
            if (run.contains(r.requestId())) {
                receipts.merge(r.requestId(), 1, Integer::sum);
            }
        }
        Map<String, Integer> erased = new HashMap<>();
        for (ChangeRecord r : model.history()) {
            if (r.requests() != null && r.idHashes() != null && r.requests().stream().anyMatch(run::contains)) {
                for (String h : r.idHashes()) {
                    erased.merge(h, 1, Integer::sum);
                }
            }
        }
        return new Duplicates((int) receipts.values().stream().filter(n -> n > 1).count(),
                (int) erased.values().stream().filter(n -> n > 1).count());
    }

    /** Errors of the run: counts, and the first few as text. */
    private static final class Errors {
        final AtomicLong predict = new AtomicLong();
        final AtomicLong forget = new AtomicLong();
        private final List<String> samples = new ArrayList<>();

        void predict(String what) {
            predict.incrementAndGet();
            sample(what);
        }

        void forget(String what) {
            forget.incrementAndGet();
            sample(what);
        }

        synchronized void sample(String error) {
            if (samples.size() < 5) {
                samples.add(error.length() > 300 ? error.substring(0, 300) + "..." : error);
            }
        }

        synchronized List<String> samples() {
            return List.copyOf(samples);
        }
    }

    /** The service's endpoints as the run calls them. */
    private record Http(HttpClient client, String baseUrl, String token) {
        Http(String baseUrl, String token) {
            this(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                    .build(), baseUrl, token);
        }

        HttpResponse<String> send(String path, String jsonBody) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token);
            b = jsonBody == null ? b.GET()
                    : b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(jsonBody));
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        /** The request's status once done or failed, or the last one read by the deadline; null if none was read. */
        JsonNode awaitDone(String id, long deadline, Errors errors) throws InterruptedException {
            JsonNode st = null;
            while (System.nanoTime() < deadline) {
                try {
                    st = Json.MAPPER.readTree(send("/v1/forget/" + id + "?wait_seconds=10", null).body());
                } catch (IOException e) {
                    errors.forget("status: " + e);
                    break;
                }
                String state = st.path("state").asText();
                if (state.equals("done") || state.equals("failed")) {
                    break;
                }
            }
            return st;
        }

        /** The service's metrics, summed over their labels; empty (and an error) when unreadable. */
        Map<String, Double> metrics(Errors errors) throws InterruptedException {
            try {
                HttpResponse<String> r = send("/metrics", null);
                if (r.statusCode() == 200) {
                    return prometheus(r.body());
                }
                errors.sample("metrics " + r.statusCode() + ": " + r.body());
            } catch (IOException e) {
                errors.sample("metrics: " + e);
            }
            return Map.of();
        }
    }

    /** One predict client: predicts without pause until told to stop, keeping every answer. */
    private static final class Predictor implements java.util.concurrent.Callable<Void> {
        private final Http http;
        private final String[] bodies;
        private final int client;
        private final long t0;
        private final long deadline;
        private final AtomicBoolean stop;
        private final Errors errors;
        final List<MaskCheck.Answer> answers = new ArrayList<>();
        final Set<String> digests = new HashSet<>();
        final Longs latencies = new Longs();
        long masked;
        double retryAfter;

        Predictor(Http http, String[] bodies, int client, long t0, long deadline, AtomicBoolean stop, Errors errors) {
            this.http = http;
            this.bodies = bodies;
            this.client = client;
            this.t0 = t0;
            this.deadline = deadline;
            this.stop = stop;
            this.errors = errors;
        }

        @Override
        public Void call() throws InterruptedException {
            for (int i = client; !stop.get() && System.nanoTime() < deadline; i++) {
                // read before the request leaves: an answer counts as sent after a 202 only if it surely was
                long a = System.nanoTime();
                try {
                    HttpResponse<String> r = http.send("/v1/predict", bodies[i % bodies.length]);
                    long b = System.nanoTime();
                    if (r.statusCode() == 200) {
                        answers.add(answer(Json.MAPPER.readTree(r.body()), a - t0));
                        latencies.add(b - a);
                    } else if (r.statusCode() == 503 && r.body().contains("\"masked\"")
                            && "masked".equals(Json.MAPPER.readTree(r.body()).path("error").path("code").asText())) {
                        masked++;
                        retryAfter = Math.max(retryAfter, r.headers().firstValue("Retry-After")
                                .map(LoadRun::seconds).orElse(0.0));
                    } else {
                        errors.predict("predict " + r.statusCode() + ": " + r.body());
                    }
                } catch (IOException e) {
                    errors.predict("predict: " + e);
                }
            }
            return null;
        }

        private MaskCheck.Answer answer(JsonNode root, long sent) {
            digests.add(root.path("model_digest").asText());
            JsonNode mask = root.get("mask");
            JsonNode predictions = root.path("predictions");
            int[][] voters = new int[predictions.size()][];
            for (int p = 0; p < voters.length; p++) {
                voters[p] = ints(predictions.get(p).get("adapters"));
                if (voters[p] == null) {
                    voters = null;
                    break;
                }
            }
            return new MaskCheck.Answer(sent, root.path("generation").asLong(),
                    mask == null ? null : mask.path("id").asText(null), mask == null ? null : ints(mask.get("adapters")),
                    voters);
        }
    }

    /** The forget stream: request i sent at {@code start + i / rate} by {@link #senders} threads. */
    private static final class ForgetStream {
        final String[] requestIds;
        /** When each 202 arrived (from the run's origin), and how long it took. */
        final long[] ack;
        final long[] ackLatency;
        final long[] sent;
        int count;
        long lagMaxNanos;
        double firstSendSeconds;

        private ForgetStream(int n) {
            requestIds = new String[n];
            ack = new long[n];
            ackLatency = new long[n];
            sent = new long[n];
        }

        static ForgetStream send(Http http, long[] ids, double rate, long t0, long deadline, Errors errors,
                           Consumer<String> log) throws InterruptedException {
            ForgetStream s = new ForgetStream(ids.length);
            AtomicInteger accepted = new AtomicInteger();
            ExecutorService senders = Executors.newFixedThreadPool(senders(rate));
            List<Future<?>> pending = new ArrayList<>();
            long start = System.nanoTime();
            int every = Math.max(50, ids.length / 10);
            try {
                for (int f = 0; f < ids.length; f++) {
                    long due = start + Math.round(f * 1e9 / rate);
                    if (due >= deadline) {
                        break;
                    }
                    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    int at = f;
                    pending.add(senders.submit(() -> {
                        long a = System.nanoTime();
                        s.sent[at] = a - t0;
                        synchronized (s) {
                            s.lagMaxNanos = Math.max(s.lagMaxNanos, a - due);
                        }
                        try {
                            HttpResponse<String> r = http.send("/v1/forget", "{\"ids\": [" + ids[at] + "]}");
                            long b = System.nanoTime();
                            if (r.statusCode() == 202) {
                                s.requestIds[at] = Json.MAPPER.readTree(r.body()).get("request_id").asText();
                                s.ack[at] = b - t0; // after the 202 left the server, so after its mask took effect
                                s.ackLatency[at] = b - a;
                                accepted.incrementAndGet();
                            } else {
                                errors.forget("forget " + r.statusCode() + ": " + r.body());
                            }
                        } catch (IOException e) {
                            errors.forget("forget: " + e);
                        }
                        return null;
                    }));
                    s.count = f + 1;
                    if ((f + 1) % every == 0) {
                        log.accept(String.format(Locale.ROOT, "  %d forget requests sent, %d acknowledged", f + 1,
                                accepted.get()));
                    }
                }
                for (Future<?> p : pending) {
                    try {
                        p.get();
                    } catch (ExecutionException e) {
                        errors.forget("forget: " + e.getCause());
                    }
                }
            } finally {
                senders.shutdownNow();
            }
            s.firstSendSeconds = s.count == 0 ? 0 : s.sent[0] / 1e9;
            return s;
        }

        /** Sends per second from the first to the last. */
        double achievedRate() {
            if (count < 2) {
                return 0;
            }
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (int f = 0; f < count; f++) {
                first = Math.min(first, sent[f]);
                last = Math.max(last, sent[f]);
            }
            return last == first ? 0 : (count - 1) / ((last - first) / 1e9);
        }

        long[] ackLatencies() {
            Longs out = new Longs();
            for (int f = 0; f < requestIds.length; f++) {
                if (requestIds[f] != null) {
                    out.add(ackLatency[f]);
                }
            }
            return Arrays.copyOf(out.values(), out.length());
        }
    }

    /** A growing array of longs. */
    private static final class Longs {
        private long[] v = new long[1 << 12];
        private int n;

        void add(long x) {
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = x;
        }

        long[] values() {
            return v;
        }

        int length() {
            return n;
        }
    }

    /**
     * The samples of a Prometheus text exposition, each metric summed over its label sets (so
     * {@code name{a="x"} 1} and {@code name{a="y"} 2} give {@code name} 3). Comments, blank
     * lines and lines that do not parse are skipped; a timestamp after the value is ignored.
     */
    static Map<String, Double> prometheus(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            int end = brace >= 0 && (space < 0 || brace < space) ? brace : space;
            if (end <= 0) {
                continue;
            }
            String rest = brace == end ? line.substring(closing(line, brace) + 1).strip() : line.substring(end).strip();
            String[] parts = rest.split("\\s+");
            try {
                out.merge(line.substring(0, end), number(parts[0]), Double::sum);
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return out;
    }

    /** The index of the brace closing the label set that opens at {@code open} (quoted values may hold braces). */
    private static int closing(String line, int open) {
        boolean quoted = false;
        for (int i = open + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '}' && !quoted) {
                return i;
            }
        }
        return line.length() - 1;
    }

    private static double number(String v) {
        return switch (v) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(v);
        };
    }

    private static Double delta(Map<String, Double> before, Map<String, Double> after, String name) {
        Double a = after.get(name);
        return a == null ? null : a - before.getOrDefault(name, 0.0);
    }

    /** Seconds of a Retry-After header (delay seconds; an HTTP date counts 0). */
    private static double seconds(String retryAfter) {
        try {
            return Double.parseDouble(retryAfter.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A JSON list of integers, or null when absent or not such a list. */
    private static int[] ints(JsonNode list) {
        if (list == null || !list.isArray()) {
            return null;
        }
        int[] v = new int[list.size()];
        for (int i = 0; i < v.length; i++) {
            if (!list.get(i).canConvertToInt()) {
                return null;
            }
            v[i] = list.get(i).asInt();
        }
        return v;
    }

    private static void add(List<Double> to, JsonNode number) {
        if (number != null && number.isNumber()) {
            to.add(number.asDouble());
        }
    }

    private static double[] sorted(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    private static String[] predictBodies(float[] samples, int dim, int rows, int batch) {
        int n = Math.max(1, Math.min(rows, 512));
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder("{\"instances\": [");
            for (int r = 0; r < batch; r++) {
                int row = (i + r) % rows;
                b.append(r == 0 ? "[" : ",[");
                for (int c = 0; c < dim; c++) {
                    float v = samples[row * dim + c];
                    b.append(c == 0 ? "" : ",");
                    if (v == Math.rint(v) && Math.abs(v) < 1e7) {
                        b.append((long) v);
                    } else {
                        b.append(v);
                    }
                }
                b.append(']');
            }
            out[i] = b.append("]}").toString();
        }
        return out;
    }

    /** The q-quantile (nearest rank) of sorted {@code v}, 0 when empty. */
    static long pct(long[] v, double q) {
        return v.length == 0 ? 0 : v[Math.min(v.length - 1, Math.max(0, (int) Math.ceil(q * v.length) - 1))];
    }

    static double pct(double[] v, double q) {
        return v.length == 0 ? 0 : v[Math.min(v.length - 1, Math.max(0, (int) Math.ceil(q * v.length) - 1))];
    }

    private static Double pctOrNull(double[] v, double q) {
        return v.length == 0 ? null : pct(v, q);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}

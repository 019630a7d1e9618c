package org.legonet.server;

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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A bounded load run against a service: {@code clients} threads predict without pause while one
 * more sends a stream of single-sample forget requests; the run ends when every forget request is
 * done (or the time limit passes). Reports predict throughput and latency, forget acknowledgement
 * and completion times, errors, and acknowledged requests that never completed (lost).
 */
public final class LoadRun {
    private LoadRun() {
    }

    /**
     * @param clients        concurrent predict clients
     * @param forgetInterval pause between two forget requests of the stream
     * @param predictBatch   samples per predict request
     * @param timeout        the run ends by then whatever happens
     */
    public record Settings(int clients, Duration forgetInterval, int predictBatch, Duration timeout) {
        public Settings {
            if (clients < 1 || predictBatch < 1) {
                throw new IllegalArgumentException("clients and batch must be at least 1");
            }
        }
    }

    /** What the run measured. Times in seconds unless named otherwise. */
    public record Result(int clients, long predictRequests, long predictSamples, double predictSeconds,
                         double predictPerSecond, double predictP50Ms, double predictP90Ms, double predictP99Ms,
                         double predictMaxMs, long predictErrors, int modelsServed, int forgetsSent,
                         int forgetsAccepted, long forgetErrors, double ackP50Ms, double ackP99Ms,
                         double completionP50, double completionP99, double completionMax, double allDoneSeconds,
                         int commits, int failed, int lost, List<String> errorSamples) {
        /** No errors, nothing failed or lost, and every forget acknowledged. */
        public boolean clean() {
            return predictErrors == 0 && forgetErrors == 0 && failed == 0 && lost == 0 && forgetsAccepted == forgetsSent;
        }
    }

    /**
     * Runs the load against {@code baseUrl}. Predict requests cycle through the rows of
     * {@code samples} ({@code dim} features each); the forget stream sends one request per id of
     * {@code forgetIds}, in order.
     */
    public static Result run(String baseUrl, String token, float[] samples, int dim, long[] forgetIds, Settings s,
                             Consumer<String> log) throws InterruptedException {
        int rows = samples.length / dim;
        String[] bodies = predictBodies(samples, dim, rows, s.predictBatch());
        long deadline = System.nanoTime() + s.timeout().toNanos();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong predictErrors = new AtomicLong();
        AtomicLong forgetErrors = new AtomicLong();
        Set<String> digests = ConcurrentHashMap.newKeySet();
        List<String> errorSamples = java.util.Collections.synchronizedList(new ArrayList<>());
        long[][] latencies = new long[s.clients()][];
        int[] counts = new int[s.clients()];
        ExecutorService pool = Executors.newFixedThreadPool(s.clients() + 1);
        long t0 = System.nanoTime();
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < s.clients(); c++) {
            int client = c;
            clients.add(pool.submit(() -> {
                HttpClient http = client();
                long[] lat = new long[1 << 16];
                int n = 0;
                int i = client;
                while (!stop.get() && System.nanoTime() < deadline) {
                    HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/predict"))
                            .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(bodies[i++ % bodies.length])).build();
                    long a = System.nanoTime();
                    try {
                        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                        long b = System.nanoTime();
                        if (r.statusCode() == 200) {
                            int at = r.body().indexOf("\"model_digest\":\"");
                            digests.add(r.body().substring(at + 16, at + 16 + 64));
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, lat.length * 2);
                            }
                            lat[n++] = b - a;
                        } else {
                            predictErrors.incrementAndGet();
                            sample(errorSamples, "predict " + r.statusCode() + ": " + r.body());
                        }
                    } catch (IOException e) {
                        predictErrors.incrementAndGet();
                        sample(errorSamples, "predict: " + e);
                    }
                }
                latencies[client] = lat;
                counts[client] = n;
                return null;
            }));
        }

        // the forget stream, then waiting for every acknowledged request to finish
        HttpClient http = client();
        List<String> accepted = new ArrayList<>();
        long[] ack = new long[forgetIds.length];
        long firstSend = System.nanoTime();
        for (int f = 0; f < forgetIds.length && System.nanoTime() < deadline; f++) {
            long a = System.nanoTime();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/forget"))
                        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"ids\": [" + forgetIds[f] + "]}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                ack[accepted.size()] = System.nanoTime() - a;
                if (r.statusCode() == 202) {
                    accepted.add(Json.MAPPER.readTree(r.body()).get("request_id").asText());
                } else {
                    forgetErrors.incrementAndGet();
                    sample(errorSamples, "forget " + r.statusCode() + ": " + r.body());
                }
            } catch (IOException e) {
                forgetErrors.incrementAndGet();
                sample(errorSamples, "forget: " + e);
            }
            if ((f + 1) % 50 == 0) {
                log.accept(String.format(java.util.Locale.ROOT, "  %d forget requests sent, %d acknowledged", f + 1,
                        accepted.size()));
            }
            if (!s.forgetInterval().isZero()) {
                Thread.sleep(s.forgetInterval().toMillis());
            }
        }
        List<Double> completion = new ArrayList<>();
        Set<Integer> commits = new HashSet<>();
        int failed = 0;
        int lost = 0;
        for (String id : accepted) {
            JsonNode st = null;
            while (System.nanoTime() < deadline) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/forget/" + id
                                    + "?wait_seconds=10")).timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
                    st = Json.MAPPER.readTree(r.body());
                } catch (IOException e) {
                    forgetErrors.incrementAndGet();
                    sample(errorSamples, "status: " + e);
                    break;
                }
                String state = st.path("state").asText();
                if (state.equals("done") || state.equals("failed")) {
                    break;
                }
            }
            String state = st == null ? "unknown" : st.path("state").asText();
            if (state.equals("done")) {
                JsonNode rc = st.get("receipt");
                completion.add(Duration.between(Instant.parse(rc.get("received").asText()),
                        Instant.parse(rc.get("completed").asText())).toNanos() / 1e9);
                if (rc.hasNonNull("commit")) {
                    commits.add(rc.get("commit").asInt());
                }
            } else if (state.equals("failed")) {
                failed++;
            } else {
                lost++;
            }
        }
        double allDone = (System.nanoTime() - firstSend) / 1e9;
        stop.set(true);
        for (Future<?> f : clients) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                predictErrors.incrementAndGet();
                sample(errorSamples, "client: " + e);
            }
        }
        pool.shutdownNow();
        double predictSeconds = (System.nanoTime() - t0) / 1e9;
        long total = 0;
        for (int n : counts) {
            total += n;
        }
        long[] all = new long[(int) total];
        int at = 0;
        for (int c = 0; c < s.clients(); c++) {
            if (latencies[c] != null) {
                System.arraycopy(latencies[c], 0, all, at, counts[c]);
                at += counts[c];
            }
        }
        Arrays.sort(all);
        long[] acks = Arrays.copyOf(ack, accepted.size());
        Arrays.sort(acks);
        double[] comp = completion.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Result(s.clients(), total, total * s.predictBatch(), predictSeconds, total / predictSeconds,
                ms(pct(all, 0.50)), ms(pct(all, 0.90)), ms(pct(all, 0.99)), ms(all.length == 0 ? 0 : all[all.length - 1]),
                predictErrors.get(), digests.size(), forgetIds.length, accepted.size(), forgetErrors.get(),
                ms(pct(acks, 0.50)), ms(pct(acks, 0.99)), pct(comp, 0.50), pct(comp, 0.99),
                comp.length == 0 ? 0 : comp[comp.length - 1], allDone, commits.size(), failed, lost,
                List.copyOf(errorSamples));
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static void sample(List<String> samples, String error) {
        if (samples.size() < 5) {
            samples.add(error.length() > 300 ? error.substring(0, 300) + "..." : error);
        }
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

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}

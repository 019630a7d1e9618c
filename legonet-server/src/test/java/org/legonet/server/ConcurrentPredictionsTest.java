package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.AdapterMask;
import org.legonet.core.LegoNet;
import org.legonet.core.Predictions;
import org.legonet.core.data.Dataset;

/**
 * Predictions while forgets are masked and retrained. Eight clients predict without pause while
 * three single-sample forgets arrive; the worker is held before each of its two batches, so that
 * answers come from three generations under five different masks. Then, offline, from a copy of
 * the directory at each generation: every answer must be exactly (bit for bit) what the model
 * named by its digest computes under the mask the answer names, with the voters it names, none of
 * them masked; and no answer sent after a forget's 202, from a generation before its commit, may
 * use an adapter holding the forgotten sample.
 */
class ConcurrentPredictionsTest {
    private static final int CLIENTS = 8;
    private static final int INSTANCES = 16;

    @TempDir
    Path tmp;

    /** One answer: which instances, sent when, and what came back. */
    record Seen(int first, int rows, long sent, String digest, long generation, String maskId, int[] mask,
                float[][] probs, int[][] voters) {
    }

    /** One forget: when its 202 came, and what its status says after it is done. */
    record Forget(String id, long acknowledged, int[] adapters, long committedGeneration) {
    }

    @Test
    void everyAnswerIsTheNamedModelUnderTheNamedMaskAndNoneUsesAForgottenSample() throws Exception {
        Path model = Fixture.model(tmp.resolve("m"));
        Path gen0 = Fixture.copyTree(model, tmp.resolve("g0"));
        Path gen1 = tmp.resolve("g1");
        Dataset d = Fixture.privateData();
        CountDownLatch[] held = {new CountDownLatch(1), new CountDownLatch(1)};
        CountDownLatch[] release = {new CountDownLatch(1), new CountDownLatch(1)};
        AtomicInteger batches = new AtomicInteger();
        FaultInjector holdEachBatch = point -> {
            if (point.equals(FaultInjector.BATCH_TAKEN)) {
                int b = batches.getAndIncrement();
                if (b < 2) {
                    held[b].countDown();
                    try {
                        release[b].await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        AtomicInteger answers = new AtomicInteger();
        AtomicInteger masked503 = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<Forget> forgets = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optFaults(holdEachBatch)
                .optMaskWait(Duration.ZERO).build())) {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    Fixture.Http http = new Fixture.Http(server);
                    int n = 0;
                    while (!stop.get()) {
                        int rows = client % 2 == 0 ? 1 : 4;
                        int first = (n++ * 3 + client) % (INSTANCES - rows + 1);
                        StringBuilder body = new StringBuilder("{\"instances\": [");
                        for (int r = 0; r < rows; r++) {
                            body.append(r == 0 ? "" : ",").append(Fixture.instance(100 + first + r));
                        }
                        long sent = System.nanoTime();
                        Fixture.Response resp = http.post("/v1/predict", body.append("]}").toString());
                        if (resp.status() == 503) {
                            assertThat(resp.error(503)).isEqualTo("masked");
                            assertThat(resp.headers().firstValue("Retry-After")).isPresent();
                            masked503.incrementAndGet();
                            continue;
                        }
                        assertThat(resp.status()).as(resp.body()).isEqualTo(200);
                        JsonNode j = resp.json();
                        float[][] probs = new float[rows][];
                        int[][] voters = new int[rows][];
                        for (int r = 0; r < rows; r++) {
                            JsonNode p = j.get("predictions").get(r);
                            probs[r] = floats(p.get("probabilities"));
                            voters[r] = ints(p.get("adapters"));
                        }
                        seen.add(new Seen(first, rows, sent, j.get("model_digest").asText(), j.get("generation").asLong(),
                                j.get("mask").get("id").asText(), ints(j.get("mask").get("adapters")), probs, voters));
                        answers.incrementAndGet();
                    }
                    return null;
                }));
            }
            Fixture.Http http = new Fixture.Http(server);
            awaitAnswers(answers, 100);
            List<String> ids = new ArrayList<>();
            List<Long> acks = new ArrayList<>();
            for (int row : new int[] {100, 103, 111}) {
                ids.add(http.forget("{\"ids\": [" + Fixture.privateId(row) + "]}"));
                acks.add(System.nanoTime());
                if (ids.size() == 1) {
                    assertThat(held[0].await(60, TimeUnit.SECONDS)).as("the worker took the first forget").isTrue();
                    assertThat(http.get("/v1/forget/" + ids.get(0)).json().get("state").asText()).isEqualTo("running");
                }
                awaitAnswers(answers, 100);
            }
            assertThat(http.get("/v1/forget/" + ids.get(1)).json().get("state").asText()).isEqualTo("masked");
            release[0].countDown();
            assertThat(held[1].await(60, TimeUnit.SECONDS)).as("the worker took the other two").isTrue();
            Fixture.copyTree(model, gen1);
            awaitAnswers(answers, 100);
            release[1].countDown();
            for (int i = 0; i < ids.size(); i++) {
                JsonNode s = http.awaitDone(ids.get(i));
                assertThat(s.get("state").asText()).isEqualTo("done");
                assertThat(s.get("timings").get("masked_ms").asDouble()).isLessThanOrEqualTo(
                        s.get("timings").get("acknowledged_ms").asDouble());
                forgets.add(new Forget(ids.get(i), acks.get(i), ints(s.get("masked_adapters")),
                        s.get("committed_generation").asLong()));
            }
            awaitAnswers(answers, 100);
            stop.set(true);
            for (Future<?> f : clients) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        float[] x = new float[INSTANCES * d.dim()];
        for (int i = 0; i < INSTANCES; i++) {
            d.copyRow(100 + i, x, i * d.dim());
        }
        Map<String, LegoNet> models = new HashMap<>();
        List<LegoNet> open = new ArrayList<>();
        try {
            for (Path dir : List.of(gen0, gen1, model)) {
                LegoNet m = LegoNet.open(dir);
                open.add(m);
                models.put(m.digest(), m);
            }
            assertThat(models).hasSize(3);
            Set<String> masks = new HashSet<>();
            Set<Long> generations = new HashSet<>();
            int maskedAnswers = 0;
            for (Seen s : seen) {
                LegoNet m = models.get(s.digest());
                assertThat(m).as("answer names model %s", s.digest()).isNotNull();
                assertThat(m.generation()).isEqualTo(s.generation());
                AdapterMask mask = AdapterMask.of(s.mask());
                Predictions want = m.predict(Arrays.copyOfRange(x, s.first() * d.dim(), (s.first() + s.rows()) * d.dim()),
                        s.rows(), mask);
                for (int r = 0; r < s.rows(); r++) {
                    assertThat(s.probs()[r]).as("answer under mask %s", s.maskId()).containsExactly(want.probabilities(r));
                    assertThat(s.voters()[r]).containsExactly(want.voters(r));
                    assertThat(Arrays.stream(s.voters()[r]).noneMatch(mask::contains)).isTrue();
                }
                for (Forget f : forgets) {
                    if (s.sent() > f.acknowledged() && s.generation() < f.committedGeneration()) {
                        assertThat(mask.containsAll(AdapterMask.of(f.adapters())))
                                .as("answer sent after the 202 of %s masks its adapters", f.id()).isTrue();
                        for (int[] v : s.voters()) {
                            assertThat(Arrays.stream(v).noneMatch(j -> Arrays.stream(f.adapters()).anyMatch(a -> a == j)))
                                    .isTrue();
                        }
                    }
                }
                masks.add(s.maskId());
                generations.add(s.generation());
                maskedAnswers += mask.isEmpty() ? 0 : 1;
            }
            assertThat(generations).hasSize(3);
            assertThat(masks.size()).as("distinct masks answered under").isGreaterThanOrEqualTo(4);
            assertThat(maskedAnswers).isGreaterThanOrEqualTo(100);
            assertThat(forgets).allSatisfy(f -> assertThat(f.adapters()).isNotEmpty());
        } finally {
            open.forEach(LegoNet::close);
        }
    }

    /**
     * Forgets from four threads at once while the worker commits freely and eight clients predict:
     * masks and commits swap the serving snapshot concurrently (compare-and-set), and no answer sent
     * after a forget's 202 may leave its adapters unmasked or take a vote from one of them before its
     * commit ({@link MaskCheck} over every answer).
     */
    @Test
    void concurrentForgetsAndCommitsNeverLoseAMask() throws Exception {
        Path model = Fixture.model(tmp.resolve("m"));
        List<MaskCheck.Answer> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        List<long[]> acks = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 4);
        List<MaskCheck.Request> requests = new ArrayList<>();
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optMaskWait(Duration.ZERO).build())) {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    Fixture.Http http = new Fixture.Http(server);
                    int n = 0;
                    while (!stop.get()) {
                        long sent = System.nanoTime();
                        Fixture.Response resp = http.post("/v1/predict", "{\"instances\": ["
                                + Fixture.instance(200 + (n++ * 7 + client) % 300) + "]}");
                        if (resp.status() == 503) {
                            continue;
                        }
                        JsonNode j = resp.json();
                        answers.add(new MaskCheck.Answer(sent, j.get("generation").asLong(), j.get("mask").get("id")
                                .asText(), ints(j.get("mask").get("adapters")),
                                new int[][] {ints(j.get("predictions").get(0).get("adapters"))}));
                    }
                    return null;
                }));
            }
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                senders.add(pool.submit(() -> {
                    Fixture.Http http = new Fixture.Http(server);
                    for (int i = 0; i < 10; i++) {
                        String id = http.forget("{\"ids\": [" + Fixture.privateId(thread * 10 + i) + "]}");
                        long ack = System.nanoTime();
                        synchronized (ids) {
                            ids.add(id);
                            acks.add(new long[] {ack});
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : senders) {
                f.get(60, TimeUnit.SECONDS);
            }
            Fixture.Http http = new Fixture.Http(server);
            for (int i = 0; i < ids.size(); i++) {
                JsonNode st = http.awaitDone(ids.get(i));
                assertThat(st.get("state").asText()).isEqualTo("done");
                requests.add(new MaskCheck.Request(ids.get(i), acks.get(i)[0], ints(st.get("masked_adapters")),
                        st.get("committed_generation").asLong()));
            }
            stop.set(true);
            for (Future<?> f : clients) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        MaskCheck.Result r = MaskCheck.check(answers, requests, 5);
        assertThat(r.firstViolations()).isEmpty();
        assertThat(r.clean()).isTrue();
        assertThat(r.answers()).isGreaterThan(100);
        assertThat(requests).hasSize(40);
    }

    private static void awaitAnswers(AtomicInteger answers, int more) throws InterruptedException {
        int target = answers.get() + more;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (answers.get() < target && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(answers.get()).as("answers").isGreaterThanOrEqualTo(target);
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return v;
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }
}

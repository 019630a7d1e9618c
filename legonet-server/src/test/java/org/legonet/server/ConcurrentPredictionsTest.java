package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.store.ModelStore;

/**
 * Predictions while a forget retrains: eight clients predict without pause; the worker is held
 * in the middle of retraining until they have made hundreds of predictions, then commits. Every
 * response must be exactly (bit for bit) what the model named by its digest computes, for every
 * instance of a batch: the old model or the new one, never a mixture.
 */
class ConcurrentPredictionsTest {
    private static final int CLIENTS = 8;
    private static final int INSTANCES = 16;

    @TempDir
    Path tmp;

    /** One response: which instances, which model, what probabilities; and when it was sent. */
    record Seen(int client, int first, int rows, String digest, float[] probs, int[] labels, boolean sentWhilePaused,
                boolean answeredWhilePaused) {
    }

    @Test
    void everyPredictionIsWhollyTheOldModelsOrWhollyTheNewOnes() throws Exception {
        Path model = Fixture.model(tmp.resolve("m"));
        Dataset d = Fixture.privateData();
        float[] x = new float[INSTANCES * d.dim()];
        for (int i = 0; i < INSTANCES; i++) {
            d.copyRow(100 + i, x, i * d.dim());
        }
        LegoNetModel old;
        try (ModelStore s = ModelStore.open(model, false)) {
            old = s.model();
        }
        AtomicBoolean paused = new AtomicBoolean();
        CountDownLatch workerPaused = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch duringPause = new CountDownLatch(300);
        CountDownLatch afterCommit = new CountDownLatch(300);
        AtomicBoolean committed = new AtomicBoolean();
        FaultInjector holdMidRetrain = point -> {
            if (point.equals(FaultInjector.RETRAIN_ADAPTER) && workerPaused.getCount() > 0) {
                paused.set(true);
                workerPaused.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                paused.set(false);
            }
        };
        ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        String requestId;
        JsonNode receipt;
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optFaults(holdMidRetrain).build())) {
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
                        boolean sentPaused = paused.get();
                        JsonNode j = http.post("/v1/predict", body.append("]}").toString()).json();
                        boolean answeredPaused = paused.get();
                        float[] probs = new float[rows * 3];
                        int[] labels = new int[rows];
                        for (int r = 0; r < rows; r++) {
                            JsonNode p = j.get("predictions").get(r);
                            labels[r] = p.get("label").asInt();
                            for (int k = 0; k < 3; k++) {
                                probs[r * 3 + k] = (float) p.get("probabilities").get(k).asDouble();
                            }
                        }
                        seen.add(new Seen(client, first, rows, j.get("model_digest").asText(), probs, labels,
                                sentPaused, answeredPaused));
                        if (sentPaused && answeredPaused) {
                            duringPause.countDown();
                        }
                        if (committed.get()) {
                            afterCommit.countDown();
                        }
                    }
                    return null;
                }));
            }
            Fixture.Http http = new Fixture.Http(server);
            StringBuilder ids = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                ids.append(i == 0 ? "" : ",").append(Fixture.privateId(300 + 7 * i));
            }
            requestId = http.forget("{\"ids\": [" + ids + "]}");
            assertThat(workerPaused.await(60, TimeUnit.SECONDS)).as("the worker reached retraining").isTrue();
            assertThat(duringPause.await(60, TimeUnit.SECONDS)).as("predictions while retraining").isTrue();
            assertThat(http.get("/v1/forget/" + requestId).json().get("state").asText()).isEqualTo("running");
            release.countDown();
            receipt = http.awaitDone(requestId).get("receipt");
            committed.set(true);
            assertThat(afterCommit.await(60, TimeUnit.SECONDS)).as("predictions after the commit").isTrue();
            stop.set(true);
            for (Future<?> f : clients) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        LegoNetModel next;
        try (ModelStore s = ModelStore.open(model, false)) {
            next = s.model();
        }
        assertThat(receipt.get("digest_before").asText()).isEqualTo(old.digest());
        assertThat(receipt.get("digest_after").asText()).isEqualTo(next.digest());
        Map<String, LegoNetModel> models = Map.of(old.digest(), old, next.digest(), next);
        Map<String, float[]> expected = Map.of(old.digest(), old.predictRaw(x, INSTANCES),
                next.digest(), next.predictRaw(x, INSTANCES));
        assertThat(Arrays.equals(expected.get(old.digest()), expected.get(next.digest())))
                .as("the forget changed some prediction, so a mixture would show").isFalse();

        int[] lastWasNew = new int[CLIENTS];
        int oldCount = 0;
        int newCount = 0;
        for (Seen s : seen) {
            assertThat(models).containsKey(s.digest());
            float[] want = Arrays.copyOfRange(expected.get(s.digest()), s.first() * 3, (s.first() + s.rows()) * 3);
            assertThat(s.probs()).as("a response of client %d names model %s", s.client(), s.digest()).containsExactly(want);
            assertThat(s.labels()).containsExactly(LegoNetModel.argmax(want, s.rows(), 3));
            boolean isNew = s.digest().equals(next.digest());
            if (s.sentWhilePaused() && s.answeredWhilePaused()) {
                assertThat(isNew).as("a prediction made while the forget was retraining").isFalse();
            }
            // per client, in order: once the new model answered, the old one never does again
            assertThat(isNew || lastWasNew[s.client()] == 0).isTrue();
            lastWasNew[s.client()] = isNew ? 1 : lastWasNew[s.client()];
            if (isNew) {
                newCount++;
            } else {
                oldCount++;
            }
        }
        assertThat(oldCount).isGreaterThanOrEqualTo(300);
        assertThat(newCount).isGreaterThanOrEqualTo(300);
    }
}

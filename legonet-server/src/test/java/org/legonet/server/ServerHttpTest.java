package org.legonet.server;

import org.legonet.core.testing.SmallModels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.ChangeRecord;
import org.legonet.core.store.ModelStore;
import org.legonet.core.StoreException;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.Progress;

/** The service end to end over HTTP on loopback: predict, forget, status, receipts, model, metrics. */
class ServerHttpTest {
    @TempDir
    Path tmp;

    private static String digestOf(Path model) {
        try (ModelStore s = ModelStore.open(model, false, SmallModels.ID_KEY)) {
            return s.model().digest();
        }
    }

    @Test
    void predictionsAreTheModelsOwnWithTheDigestOfTheModelThatMadeThem() {
        Path model = Fixture.model(tmp.resolve("m"));
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build());
             ModelStore reader = ModelStore.open(model, false, SmallModels.ID_KEY)) {
            Fixture.Http http = new Fixture.Http(server);
            Fixture.Response r = http.post("/v1/predict", "{\"instances\": [" + Fixture.instance(0) + ","
                    + Fixture.instance(1) + "," + Fixture.instance(2) + "]}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode j = r.json();
            assertThat(j.get("model_digest").asText()).isEqualTo(reader.model().digest());
            Dataset d = Fixture.privateData();
            float[] x = new float[3 * d.dim()];
            for (int i = 0; i < 3; i++) {
                d.copyRow(i, x, i * d.dim());
            }
            float[] expected = reader.model().predictRaw(x, 3);
            int[] labels = LegoNetModel.argmax(expected, 3, 3);
            assertThat(j.get("predictions")).hasSize(3);
            for (int i = 0; i < 3; i++) {
                JsonNode p = j.get("predictions").get(i);
                assertThat(p.get("label").asInt()).isEqualTo(labels[i]);
                float[] got = new float[3];
                for (int c = 0; c < 3; c++) {
                    got[c] = (float) p.get("probabilities").get(c).asDouble();
                }
                assertThat(got).containsExactly(Arrays.copyOfRange(expected, 3 * i, 3 * i + 3));
            }
        }
    }

    @Test
    void aForgetIsAcknowledgedThenCarriedOutWithAReceiptAndLeavesNoPlaintextBehind() throws Exception {
        Path model = Fixture.model(tmp.resolve("m"));
        String before = digestOf(model);
        long id = Fixture.privateId(7);
        String requestId;
        JsonNode receipt;
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
            Fixture.Http http = new Fixture.Http(server);
            Fixture.Response accepted = http.post("/v1/forget", "{\"ids\": [" + id + "]}");
            assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
            requestId = accepted.json().get("request_id").asText();
            assertThat(accepted.headers().firstValue("location")).hasValue("/v1/forget/" + requestId);
            JsonNode status = http.awaitDone(requestId);
            assertThat(status.get("state").asText()).isEqualTo("done");
            receipt = status.get("receipt");
            String after = server.modelDigest();
            assertThat(after).isNotEqualTo(before);
            assertThat(receipt.get("request_id").asText()).isEqualTo(requestId);
            assertThat(receipt.get("kind").asText()).isEqualTo("ids");
            assertThat(receipt.get("forgotten").asInt()).isEqualTo(1);
            assertThat(receipt.get("already_forgotten").asInt()).isZero();
            assertThat(receipt.get("commit").asInt()).isEqualTo(1);
            assertThat(receipt.get("digest_before").asText()).isEqualTo(before);
            assertThat(receipt.get("digest_after").asText()).isEqualTo(after);
            assertThat(receipt.get("adapters_retrained")).hasSize(2);
            assertThat(receipt.get("prev_hash").asText()).isEqualTo("0".repeat(64));
            assertThat(receipt.get("hash").asText()).hasSize(64);
            assertThat(http.post("/v1/predict", "{\"instances\": [" + Fixture.instance(0) + "]}").json()
                    .get("model_digest").asText()).isEqualTo(after);
            JsonNode m = http.get("/v1/model").json();
            assertThat(m.get("model_digest").asText()).isEqualTo(after);
            assertThat(m.get("deletion_requests").asInt()).isEqualTo(1);
            assertThat(m.get("samples_forgotten").asInt()).isEqualTo(1);
            assertThat(m.get("receipts").asInt()).isEqualTo(1);
            assertThat(m.get("queue_depth").asInt()).isZero();
        }
        try (ModelStore s = ModelStore.open(model, false, SmallModels.ID_KEY)) {
            assertThat(receipt.get("id_hashes").get(0).asText()).isEqualTo(s.hashId(id));
            ChangeRecord rec = s.deletions().get(0);
            assertThat(rec.requests()).containsExactly(requestId);
            assertThat(s.wasForgotten(id)).isTrue();
            assertThat(s.readRaw(Progress.NONE).ids()).doesNotContain(id);
            assertThat(new Verifier(2, Progress.NONE).verify(s, false).exact()).isTrue();
            assertThat(auditOf(s.dir()).ok()).isTrue();
        }
        assertThat(Files.size(model.resolve(RequestLog.FILE))).as("the request log once the request is done").isZero();
        assertThat(Files.readString(model.resolve(ReceiptLog.FILE))).doesNotContain(Long.toString(id));

        // after a restart the request is still known, with the same receipt
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
            JsonNode again = new Fixture.Http(server).get("/v1/forget/" + requestId).json();
            assertThat(again.get("state").asText()).isEqualTo("done");
            assertThat(again.get("receipt")).isEqualTo(receipt);
        }
    }

    @Test
    void aClassAndIdsAlreadyForgottenGetReceiptsToo() {
        Path model = Fixture.model(tmp.resolve("m"));
        Dataset d = Fixture.privateData();
        long ofClass2 = -1;
        long other = -1;
        int inClass2 = 0;
        for (int r = 0; r < d.size(); r++) {
            if (d.label(r) == 2) {
                inClass2++;
                ofClass2 = d.id(r);
            } else {
                other = d.id(r);
            }
        }
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
            Fixture.Http http = new Fixture.Http(server);
            JsonNode cls = http.awaitDone(http.forget("{\"class\": 2}")).get("receipt");
            assertThat(cls.get("kind").asText()).isEqualTo("class");
            assertThat(cls.get("class").asInt()).isEqualTo(2);
            assertThat(cls.get("forgotten").asInt()).isEqualTo(inClass2);
            JsonNode mixed = http.awaitDone(http.forget("{\"ids\": [" + ofClass2 + ", " + other + "]}")).get("receipt");
            assertThat(mixed.get("forgotten").asInt()).isEqualTo(1);
            assertThat(mixed.get("already_forgotten").asInt()).isEqualTo(1);
            JsonNode noop = http.awaitDone(http.forget("{\"ids\": [" + ofClass2 + "]}")).get("receipt");
            assertThat(noop.get("forgotten").asInt()).isZero();
            assertThat(noop.has("commit")).isFalse();
            assertThat(noop.get("digest_before")).isEqualTo(noop.get("digest_after"));
            assertThat(noop.get("prev_hash")).isEqualTo(mixed.get("hash"));
            JsonNode emptyClass = http.awaitDone(http.forget("{\"class\": 2}")).get("receipt");
            assertThat(emptyClass.get("forgotten").asInt()).isZero();
            assertThat(http.get("/v1/model").json().get("deletion_requests").asInt()).isEqualTo(2);
        }
        try (ModelStore s = ModelStore.open(model, false, SmallModels.ID_KEY)) {
            assertThat(new Verifier(2, Progress.NONE).verify(s, false).exact()).isTrue();
            Audit.Report a = auditOf(s.dir());
            assertThat(a.problems()).isEmpty();
            assertThat(a.receipts()).isEqualTo(4);
            assertThat(a.commits()).isEqualTo(2);
        }
    }

    @Test
    void requestsQueuedWhileTheWorkerIsBusyAreCoalescedIntoOneRetraining() throws Exception {
        Path model = Fixture.model(tmp.resolve("m"));
        Fixture.FirstBatchPause pauseFirstBatch = new Fixture.FirstBatchPause();
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optFaults(pauseFirstBatch).build())) {
            Fixture.Http http = new Fixture.Http(server);
            String first = http.forget("{\"ids\": [" + Fixture.privateId(0) + "]}");
            pauseFirstBatch.awaitPaused();
            List<String> rest = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                rest.add(http.forget("{\"ids\": [" + Fixture.privateId(10 * i) + ", " + Fixture.privateId(10 * i + 1) + "]}"));
            }
            assertThat(http.get("/v1/forget/" + first).json().get("state").asText()).isEqualTo("running");
            assertThat(http.get("/v1/forget/" + rest.get(0)).json().get("state").asText()).isEqualTo("masked");
            assertThat(server.queueDepth()).isEqualTo(6);
            pauseFirstBatch.release.countDown();
            List<JsonNode> receipts = new ArrayList<>();
            for (String id : rest) {
                receipts.add(http.awaitDone(id).get("receipt"));
            }
            assertThat(receipts).allSatisfy(r -> {
                assertThat(r.get("commit").asInt()).isEqualTo(2);
                assertThat(r.get("batch_requests").asInt()).isEqualTo(5);
                assertThat(r.get("forgotten").asInt()).isEqualTo(2);
            });
            String metrics = http.get("/metrics").body();
            assertThat(metrics).contains("legonet_commits_total 2.0")
                    .contains("legonet_forget_requests_total{result=\"done\"} 6.0")
                    .contains("legonet_samples_forgotten_total 11.0")
                    .contains("legonet_forget_queue_depth 0.0")
                    .contains("legonet_retrain_seconds_count 2")
                    .contains("legonet_http_requests_seconds_count{endpoint=\"/v1/forget\",method=\"POST\",status=\"202\"} 6");
        }
        try (ModelStore s = ModelStore.open(model, false, SmallModels.ID_KEY)) {
            ChangeRecord batch = s.deletions().get(1);
            assertThat(batch.requests()).hasSize(5);
            // each affected adapter retrained once for the whole batch
            assertThat(batch.adaptersRetrained()).doesNotHaveDuplicates().isSorted();
            assertThat(batch.forgotten()).isEqualTo(10);
            assertThat(new Verifier(2, Progress.NONE).verify(s, false).exact()).isTrue();
        }
    }

    @Test
    void theServiceHoldsTheWriterLockForItsLifetime() {
        Path model = Fixture.model(tmp.resolve("m"));
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
            assertThatThrownBy(() -> ModelStore.open(model, true, SmallModels.ID_KEY)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("locked by another writer");
            assertThatThrownBy(() -> LegoNetServer.start(Fixture.config(model).build()))
                    .isInstanceOf(StoreException.class).hasMessageContaining("locked");
            try (ModelStore reader = ModelStore.open(model, false, SmallModels.ID_KEY)) {
                assertThat(reader.model().digest()).isEqualTo(server.modelDigest());
            }
        }
        try (ModelStore writer = ModelStore.open(model, true, SmallModels.ID_KEY)) {
            assertThat(writer.writable()).isTrue();
        }
    }

    @Test
    void healthNeedsNoTokenAndMetricsSpeakPrometheus() {
        Path model = Fixture.model(tmp.resolve("m"));
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
            Fixture.Http http = new Fixture.Http(server);
            Fixture.Response h = http.send(http.request("/v1/health").GET().build());
            assertThat(h.status()).isEqualTo(200);
            assertThat(h.json().get("status").asText()).isEqualTo("ok");
            assertThat(h.json().get("empty_adapters").asInt()).isZero();
            http.send(http.request("/v1/model").GET().build());
            http.post("/v1/predict", "{\"instances\": [" + Fixture.instance(3) + "]}");
            Fixture.Response m = http.get("/metrics");
            assertThat(m.status()).isEqualTo(200);
            assertThat(m.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
            assertThat(m.body())
                    .contains("# TYPE legonet_http_requests_seconds histogram")
                    .contains("legonet_http_requests_seconds_count{endpoint=\"/v1/model\",method=\"GET\",status=\"401\"} 1")
                    .contains("legonet_http_requests_seconds_count{endpoint=\"/v1/predict\",method=\"POST\",status=\"200\"} 1")
                    .contains("legonet_predictions_total 1.0")
                    .contains("legonet_forget_queue_depth")
                    .contains("legonet_adapters_retrained_total 0.0")
                    .contains("legonet_model_generation 0.0")
                    .contains("jvm_memory_used_bytes");
        }
    }

    @Test
    void aModelWithoutRetainedSamplesIsDegradedAndAnswersUniformly() {
        Path model = Fixture.model(tmp.resolve("m"));
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
            Fixture.Http http = new Fixture.Http(server);
            http.awaitDone(http.forget("{\"class\": 0}"));
            JsonNode some = http.get("/v1/model").json();
            int adapters = some.get("adapters").asInt();
            assertThat(some.get("empty_adapters").asInt()).isBetween(0, adapters - 1);
            assertThat(http.get("/v1/health").json().get("status").asText()).isEqualTo("ok");
            http.awaitDone(http.forget("{\"class\": 1}"));
            http.awaitDone(http.forget("{\"class\": 2}"));

            assertThat(http.get("/v1/model").json().get("empty_adapters").asInt()).isEqualTo(adapters);
            Fixture.Response h = http.send(http.request("/v1/health").GET().build());
            assertThat(h.status()).isEqualTo(200);
            assertThat(h.json().get("status").asText()).isEqualTo("degraded");
            assertThat(h.json().get("empty_adapters").asInt()).isEqualTo(adapters);
            JsonNode p = http.post("/v1/predict", "{\"instances\": [" + Fixture.instance(4) + "]}").json()
                    .get("predictions").get(0);
            assertThat(p.get("label").asInt()).isZero();
            for (JsonNode prob : p.get("probabilities")) {
                assertThat(prob.floatValue()).isEqualTo(1.0f / 3);
            }
        }
    }

    /** Audits the model directory {@code dir}, opened read-only. */
    private static Audit.Report auditOf(java.nio.file.Path dir) {
        try (org.legonet.core.LegoNet n = org.legonet.core.LegoNet.open(dir)) {
            return Audit.run(n);
        }
    }
}

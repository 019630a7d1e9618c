package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.LegoNet;
import org.legonet.core.Progress;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.SmallModels;

/**
 * {@code POST /v1/samples}: new samples go through the same log, worker and coalescing as
 * forgets; a batch that adds and forgets is one commit; the result equals training from scratch
 * on the samples held; refused requests change nothing.
 */
class SamplesHttpTest {
    private static final LegoNet.Options OPTIONS = new LegoNet.Options(2, Progress.NONE, SmallModels.ID_KEY);
    /** Private rows the model is trained without, to be added over HTTP. */
    private static final int HELD_BACK = 8;

    @TempDir
    Path tmp;

    /** Private rows 0..n-HELD_BACK-1 are trained on; the last HELD_BACK are new. */
    private static Dataset priv() {
        return Fixture.privateData();
    }

    private static int firstNew() {
        return priv().size() - HELD_BACK;
    }

    /** A model directory trained on the private rows but the held-back ones. */
    private Path model() {
        Path dir = tmp.resolve("m");
        Dataset[] split = SmallModels.blobs(Fixture.ROWS, Fixture.PUBLIC, 11);
        try (LegoNet net = LegoNet.train(SmallModels.config(5), split[0], priv().slice(0, firstNew(), "trained"),
                OPTIONS, null)) {
            net.save(dir);
        }
        return dir;
    }

    /** The digest of the model trained from scratch on exactly the private samples with these ids. */
    private static String trainedOn(Set<Long> ids) {
        Dataset[] split = SmallModels.blobs(Fixture.ROWS, Fixture.PUBLIC, 11);
        int[] rows = IntStream.range(0, priv().size()).filter(r -> ids.contains(priv().id(r))).toArray();
        assertThat(rows).hasSize(ids.size());
        try (LegoNet ref = LegoNet.train(SmallModels.config(5), split[0], priv().select(rows, "reference"), OPTIONS,
                null)) {
            return ref.digest();
        }
    }

    /** The ids of the private rows the model was trained on. */
    private static Set<Long> trainedIds() {
        Set<Long> s = new TreeSet<>();
        for (int r = 0; r < firstNew(); r++) {
            s.add(priv().id(r));
        }
        return s;
    }

    /** {@code {"samples": [...]}} for private rows {@code rows}. */
    static String body(int... rows) {
        StringBuilder b = new StringBuilder("{\"samples\": [");
        for (int i = 0; i < rows.length; i++) {
            b.append(i == 0 ? "" : ", ").append("{\"id\": ").append(priv().id(rows[i])).append(", \"label\": ")
                    .append(priv().label(rows[i])).append(", \"features\": ").append(Fixture.instance(rows[i]))
                    .append('}');
        }
        return b.append("]}").toString();
    }

    private static String add(Fixture.Http http, String body) {
        Fixture.Response r = http.post("/v1/samples", body);
        assertThat(r.status()).as("add %s: %s", body, r.body()).isEqualTo(202);
        String id = r.json().get("request_id").asText();
        assertThat(r.headers().firstValue("location")).hasValue("/v1/requests/" + id);
        return id;
    }

    private static JsonNode done(Fixture.Http http, String requestId) {
        JsonNode s = null;
        for (int i = 0; i < 4; i++) {
            s = http.get("/v1/requests/" + requestId + "?wait_seconds=30").json();
            if (s.get("state").asText().equals("done") || s.get("state").asText().equals("failed")) {
                break;
            }
        }
        assertThat(s.get("state").asText()).as("%s", s).isEqualTo("done");
        return s.get("receipt");
    }

    @Test
    void addsAreAcknowledgedThenCoalescedIntoOneCommitThatEqualsTrainingOnTheUnion() throws Exception {
        Path model = model();
        int n = firstNew();
        long forgotten = priv().id(3);
        Fixture.FirstBatchPause pause = new Fixture.FirstBatchPause();
        List<String> adds = new ArrayList<>();
        String first;
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optFaults(pause).build())) {
            Fixture.Http http = new Fixture.Http(server);
            first = http.forget("{\"ids\": [" + forgotten + "]}");
            pause.awaitPaused();
            adds.add(add(http, body(n, n + 1, n + 2)));
            adds.add(add(http, body(n + 3)));
            assertThat(http.get("/v1/requests/" + adds.get(0)).json().get("kind").asText()).isEqualTo("add");
            assertThat(http.get("/v1/requests/" + adds.get(0)).json().get("state").asText()).isEqualTo("queued");
            assertThat(Files.readString(model.resolve(RequestLog.FILE))).as("durable before the 202")
                    .contains(adds.get(0)).contains("\"kind\":\"add\"");
            pause.release.countDown();
            JsonNode a = done(http, adds.get(0));
            JsonNode b = done(http, adds.get(1));
            assertThat(done(http, first).get("commit").asInt()).isEqualTo(1);
            for (JsonNode r : List.of(a, b)) {
                assertThat(r.get("kind").asText()).isEqualTo("add");
                assertThat(r.get("commit").asInt()).as("one commit for both adds").isEqualTo(2);
                assertThat(r.get("batch_requests").asInt()).isEqualTo(2);
                assertThat(r.get("forgotten").asInt()).isZero();
            }
            assertThat(a.get("added").asInt()).isEqualTo(3);
            assertThat(b.get("added").asInt()).isEqualTo(1);
            assertThat(b.get("digest_after").asText()).isEqualTo(server.modelDigest());
            assertThat(http.get("/v1/forget/" + adds.get(1)).json().get("receipt")).as("the old path answers too")
                    .isEqualTo(b);
            JsonNode m = http.get("/v1/model").json();
            assertThat(m.get("samples_added").asInt()).isEqualTo(4);
            assertThat(m.get("retained_samples").asInt()).isEqualTo(n - 1 + 4);
            String metrics = http.get("/metrics").body();
            assertThat(metrics).contains("legonet_samples_added_total 4.0")
                    .contains("legonet_add_requests_total{result=\"done\"} 2.0")
                    .contains("legonet_commits_total 2.0");
        }
        Set<Long> held = trainedIds();
        held.remove(forgotten);
        for (int r = n; r < n + 4; r++) {
            held.add(priv().id(r));
        }
        assertThat(Files.size(model.resolve(RequestLog.FILE))).as("no sample outlives its request").isZero();
        try (LegoNet m = LegoNet.open(model, OPTIONS)) {
            assertThat(m.digest()).isEqualTo(trainedOn(held));
            assertThat(m.verify().provenExact()).isTrue();
            Audit.Report audit = Audit.run(m);
            assertThat(audit.problems()).isEmpty();
            assertThat(audit.receipts()).isEqualTo(3);
            List<String> hashes = new ArrayList<>();
            for (int r = n; r < n + 3; r++) {
                hashes.add(m.idHash(priv().id(r)));
            }
            JsonNode again;
            try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
                again = new Fixture.Http(server).get("/v1/requests/" + adds.get(0)).json().get("receipt");
            }
            List<String> got = new ArrayList<>();
            again.get("id_hashes").forEach(h -> got.add(h.asText()));
            assertThat(got).as("salted hashes in ascending id order").containsExactlyElementsOf(hashes);
        }
        // an add receipt edited to claim fewer samples is named
        List<String> lines = new ArrayList<>(Files.readAllLines(model.resolve(ReceiptLog.FILE)));
        int at = IntStream.range(0, lines.size()).filter(i -> lines.get(i).contains("\"added\":3")).findFirst().orElseThrow();
        lines.set(at, lines.get(at).replace("\"added\":3", "\"added\":2"));
        Files.writeString(model.resolve(ReceiptLog.FILE), String.join("\n", lines) + "\n");
        try (LegoNet m = LegoNet.open(model, OPTIONS)) {
            assertThat(Audit.run(m).problems()).anySatisfy(p -> assertThat(p).startsWith("receipt " + (at + 1) + " ")
                    .contains("was altered")).anySatisfy(p -> assertThat(p).contains("does not match deletion record 2"));
        }
    }

    @Test
    void aBatchThatAddsAndForgetsIsOneCommitAndAForgetMayNameAQueuedAdd() throws Exception {
        Path model = model();
        int n = firstNew();
        long a = priv().id(10);
        long b = priv().id(11);
        long x = priv().id(n);
        Fixture.FirstBatchPause pause = new Fixture.FirstBatchPause();
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optFaults(pause).build())) {
            Fixture.Http http = new Fixture.Http(server);
            String first = http.forget("{\"ids\": [" + a + "]}");
            pause.awaitPaused();
            String addXy = add(http, body(n, n + 1));
            String forgetXb = http.forget("{\"ids\": [" + x + ", " + b + "]}");
            assertThat(http.post("/v1/samples", body(n)).error(409)).as("an id a queued add will add").isEqualTo("id_conflict");
            String addZ = add(http, body(n + 2));
            pause.release.countDown();
            done(http, first);
            JsonNode rx = done(http, addXy);
            JsonNode rf = done(http, forgetXb);
            JsonNode rz = done(http, addZ);
            for (JsonNode r : List.of(rx, rf, rz)) {
                assertThat(r.get("commit").asInt()).as("adds and forgets in one commit").isEqualTo(2);
                assertThat(r.get("batch_requests").asInt()).isEqualTo(3);
            }
            assertThat(rf.get("forgotten").asInt()).isEqualTo(2);
            assertThat(rx.get("added").asInt()).isEqualTo(2);
            JsonNode m = http.get("/v1/model").json();
            assertThat(m.get("deletion_requests").asInt()).isEqualTo(2);
        }
        Set<Long> held = trainedIds();
        held.removeAll(List.of(a, b));
        held.add(priv().id(n + 1));
        held.add(priv().id(n + 2));
        try (LegoNet m = LegoNet.open(model, OPTIONS)) {
            assertThat(m.digest()).isEqualTo(trainedOn(held));
            assertThat(m.holds(x)).isFalse();
            assertThat(m.wasForgotten(x)).isTrue();
            assertThat(m.history()).hasSize(2);
            assertThat(m.history().get(1).requests()).hasSize(3);
            assertThat(Audit.run(m).problems()).isEmpty();
            assertThat(m.verify().provenExact()).isTrue();
        }
    }

    @Test
    void theBatchIsCutBeforeAnAddOfAnIdAnEarlierForgetInItNames() throws Exception {
        Path model = model();
        long x = priv().id(20);
        int xRow = 20;
        Fixture.FirstBatchPause pause = new Fixture.FirstBatchPause();
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optFaults(pause).build())) {
            Fixture.Http http = new Fixture.Http(server);
            String first = http.forget("{\"ids\": [" + priv().id(30) + "]}");
            pause.awaitPaused();
            pause.release.countDown();
            done(http, first);
            done(http, http.forget("{\"ids\": [" + x + "]}"));
            assertThat(http.post("/v1/samples", body(xRow)).error(409)).as("a forgotten id, not allowed again")
                    .isEqualTo("id_conflict");
        }
        Fixture.FirstBatchPause again = new Fixture.FirstBatchPause();
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optFaults(again).build())) {
            Fixture.Http http = new Fixture.Http(server);
            String hold = http.forget("{\"ids\": [" + priv().id(31) + "]}");
            again.awaitPaused();
            String forgetX = http.forget("{\"ids\": [" + x + "]}");
            String readdX = add(http, body(xRow).replace("]}", "], \"readd_forgotten\": true}"));
            again.release.countDown();
            done(http, hold);
            JsonNode f = done(http, forgetX);
            JsonNode r = done(http, readdX);
            // in queue order: x is already forgotten (a no-op), then added again; merged into one
            // edit it would be added, then forgotten
            assertThat(f.has("commit")).as("the forget ran alone and changed nothing").isFalse();
            assertThat(f.get("already_forgotten").asInt()).isEqualTo(1);
            assertThat(r.get("commit").asInt()).isEqualTo(4);
            assertThat(r.get("batch_requests").asInt()).isEqualTo(1);
        }
        try (LegoNet m = LegoNet.open(model, OPTIONS)) {
            assertThat(m.holds(x)).isTrue();
            Set<Long> held = trainedIds();
            held.removeAll(List.of(priv().id(30), priv().id(31)));
            assertThat(m.digest()).isEqualTo(trainedOn(held));
            assertThat(Audit.run(m).problems()).isEmpty();
        }
    }

    @Test
    void badSampleRequestsAreRefusedAndChangeNothing() {
        Path model = model();
        int n = firstNew();
        String row = Fixture.instance(n);
        long fresh = priv().id(n);
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optMaxBatch(4).build())) {
            Fixture.Http http = new Fixture.Http(server);
            String digest = server.modelDigest();
            String[][] cases = {
                    {"{\"samples\": []}", "400", "invalid_request"},
                    {"{\"sample\": [1]}", "400", "invalid_request"},
                    {"{\"samples\": [5]}", "400", "invalid_request"},
                    {"{\"samples\": [{\"id\": \"7\", \"label\": 0, \"features\": " + row + "}]}", "400", "invalid_value"},
                    {"{\"samples\": [{\"id\": 7, \"label\": -1, \"features\": " + row + "}]}", "400", "invalid_value"},
                    {"{\"samples\": [{\"id\": 7, \"label\": 0.5, \"features\": " + row + "}]}", "400", "invalid_value"},
                    {"{\"samples\": [{\"id\": 7, \"label\": 0, \"features\": [1, 2]}]}", "400", "wrong_dimension"},
                    {"{\"samples\": [{\"id\": 7, \"label\": 0, \"features\": [1,2,3,4,5,NaN]}]}", "400", "invalid_value"},
                    {"{\"samples\": [{\"id\": 7, \"label\": 0}]}", "400", "invalid_request"},
                    {body(n).replace("]}", "], \"readd_forgotten\": 1}"), "400", "invalid_value"},
                    {"{\"samples\": [" + ("{\"id\": 7, \"label\": 0, \"features\": " + row + "},").repeat(4)
                            + "{\"id\": 8, \"label\": 0, \"features\": " + row + "}]}", "413", "batch_too_large"},
                    {"{\"samples\": [{\"id\": 7, \"label\": 3, \"features\": " + row + "}]}", "400", "bad_request"},
                    {body(0), "409", "id_conflict"},
                    {"{\"samples\": [{\"id\": " + fresh + ", \"label\": 0, \"features\": " + row + "}, {\"id\": " + fresh
                            + ", \"label\": 1, \"features\": " + row + "}]}", "409", "id_conflict"},
            };
            for (String[] c : cases) {
                Fixture.Response r = http.post("/v1/samples", c[0]);
                assertThat(r.error(Integer.parseInt(c[1]))).as(c[0]).isEqualTo(c[2]);
            }
            Fixture.Response held = http.post("/v1/samples", body(0, 1));
            assertThat(held.json().get("error").get("message").asText()).contains(Long.toString(priv().id(0)))
                    .contains("already in the model").endsWith("nothing was queued");
            assertThat(server.queueDepth()).isZero();
            assertThat(server.receipts()).isZero();
            assertThat(server.modelDigest()).isEqualTo(digest);
        }
        assertThat(model.resolve(RequestLog.FILE)).isEmptyFile();
    }

    /** The features the service keeps for an add are the floats it was sent, bit for bit. */
    @Test
    void loggedSamplesKeepTheirFloatsExactly() {
        float[] x = {0.1f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, 1e-38f, 3.4028235e38f, (float) Math.PI, -7.25f};
        LoggedRequest r = LoggedRequest.add("ar-1", "2026-01-01T00:00:00Z", new long[] {5, 6}, new int[] {0, 2}, x, false);
        assertThat(r.problem()).isNull();
        assertThat(Arrays.equals(r.featureValues(), x)).isTrue();
        assertThat(Float.floatToRawIntBits(r.featureValues()[1])).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(r.readdForgotten()).as("left out of the line when false").isNull();
        assertThat(LoggedRequest.add("ar-2", "t", new long[] {5, 6, 7}, new int[] {0, 2, 1}, x, false).problem())
                .contains("not whole rows");
    }
}

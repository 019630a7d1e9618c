package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.Progress;
import org.legonet.core.store.ModelStore;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.unlearn.Verifier;

/**
 * Route-hiding cover through the service (docs/privacy.md): receipts, the deletion log, metrics,
 * log lines, the masks answers name and {@code /v1/model} show the retrained union (k + C), never
 * which of them held the request's samples; the model stays exact.
 */
class ServerCoverTest {
    private static final int COVER = 2;

    @TempDir
    Path tmp;

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    private static int[] routeOf(Path model, long id) {
        try (ModelStore s = ModelStore.open(model, false)) {
            return s.data().route(s.data().rowOf(id));
        }
    }

    @Test
    void receiptsMetricsLogLinesAndMasksListKPlusCAdapters() {
        Path model = Fixture.modelWithCover(tmp.resolve("m"), COVER);
        long id = Fixture.privateId(7);
        int[] route = routeOf(model, id);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        JsonNode receipt;
        JsonNode status;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).build())) {
                Fixture.Http http = new Fixture.Http(server);
                assertThat(http.get("/v1/model").json().get("cover").asInt()).isEqualTo(COVER);
                status = http.awaitDone(http.forget("{\"ids\": [" + id + "]}"));
                receipt = status.get("receipt");
                List<Integer> retrained = ints(receipt.get("adapters_retrained"));
                assertThat(retrained).hasSize(route.length + COVER).contains(route[0], route[1]);
                // the mask the request showed, and every answer named, is the retrained union too
                assertThat(ints(status.get("masked_adapters"))).isEqualTo(retrained);
                // a second request: once it is done, the first one's log line is written
                http.awaitDone(http.forget("{\"ids\": [" + Fixture.privateId(8) + "]}"));
                assertThat(http.get("/metrics").body())
                        .contains("legonet_adapters_retrained_total " + 2.0 * (route.length + COVER));
            }
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("1 request done: 1 sample erased, 0 added, " + (route.length + COVER) + " adapters retrained");
        try (ModelStore s = ModelStore.open(model, false)) {
            assertThat(s.deletions().get(0).adaptersRetrained()).isEqualTo(ints(receipt.get("adapters_retrained")));
            assertThat(new Verifier(2, Progress.NONE).verify(s, false).exact()).isTrue();
        }
    }

    @Test
    void aCoalescedCommitRetrainsEveryAdapterMaskedForItsRequests() throws Exception {
        // 30 adapters: three requests' masks are not the whole model
        Path model = Fixture.model(tmp.resolve("m"), SmallModels.config(5).withShape(30, 2).withCover(COVER));
        Fixture.FirstBatchPause pauseFirstBatch = new Fixture.FirstBatchPause();
        try (LegoNetServer server = LegoNetServer.start(Fixture.config(model).optFaults(pauseFirstBatch).build())) {
            Fixture.Http http = new Fixture.Http(server);
            String first = http.forget("{\"ids\": [" + Fixture.privateId(0) + "]}");
            pauseFirstBatch.awaitPaused();
            List<String> rest = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                rest.add(http.forget("{\"ids\": [" + Fixture.privateId(40 * i) + "]}"));
            }
            // while they wait, answers and /v1/model name the union of the open requests' masks, each of k + C adapters
            TreeSet<Integer> open = new TreeSet<>();
            java.util.Map<String, List<Integer>> seen = new java.util.HashMap<>();
            for (String r : rest) {
                List<Integer> masked = ints(http.get("/v1/forget/" + r).json().get("masked_adapters"));
                assertThat(masked).hasSize(2 + COVER);
                open.addAll(masked);
                seen.put(r, masked);
            }
            open.addAll(ints(http.get("/v1/forget/" + first).json().get("masked_adapters")));
            assertThat(ints(http.get("/v1/model").json().get("mask").get("adapters"))).containsExactlyElementsOf(open);
            pauseFirstBatch.release.countDown();
            for (String r : rest) {
                JsonNode s = http.awaitDone(r);
                assertThat(s.get("receipt").get("batch_requests").asInt()).isEqualTo(3);
                // the first request's commit came between: each mask stayed what answers named before it
                assertThat(ints(s.get("masked_adapters"))).isEqualTo(seen.get(r));
                assertThat(ints(s.get("receipt").get("adapters_retrained"))).containsAll(seen.get(r));
            }
            http.awaitDone(first);
        }
        try (ModelStore s = ModelStore.open(model, false)) {
            assertThat(new Verifier(2, Progress.NONE).verify(s, false).exact()).isTrue();
        }
    }
}

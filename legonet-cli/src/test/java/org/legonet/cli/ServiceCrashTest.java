package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.legonet.core.data.Dataset;
import org.legonet.core.ChangeRecord;
import org.legonet.core.store.ModelStore;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.Progress;
import org.legonet.server.Audit;
import org.legonet.server.BearerToken;
import org.legonet.server.LegoNetServer;
import org.legonet.server.ServerConfig;

/**
 * Crash safety of {@code legonet serve}, with real processes and SIGKILL. For each kill point, a
 * child JVM serves a copy of a small model with that fault point armed, receives forget requests
 * until it stops at the point, and is killed with {@code kill -9}. Then the service starts again on
 * the directory and must finish every acknowledged request exactly once: each has one receipt and
 * is named by one commit, its samples are gone from the store, the request log holds no plaintext,
 * the receipt chain audits clean, and {@code verify} finds the model EXACT.
 *
 * <p>Kill points cover the three phases: accepting (before the log write is forced, before the 202),
 * retraining (batch taken, adapters retrained, retraining done) and committing (each step of the
 * store commit, the receipts, the log compaction), plus kills during recovery itself.
 */
@Execution(ExecutionMode.CONCURRENT)
class ServiceCrashTest {
    private static final String TOKEN = "crash-test-token-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path shared;
    static Path base;
    static Path tokenFile;
    /** Private ids of classes 0 and 2 (class 1 is forgotten by a class request). */
    static long[] ids;

    @BeforeAll
    static void model() throws IOException {
        Dataset[] split = SmallModels.blobs(700, 100, 11);
        base = shared.resolve("base");
        ModelStore.create(base, SmallModels.train(SmallModels.config(5), split), SmallModels.info(split), false,
                Progress.NONE);
        ids = new long[12];
        int n = 0;
        for (int r = 0; r < split[1].size() && n < ids.length; r++) {
            if (split[1].label(r) != 1) {
                ids[n++] = split[1].id(r);
            }
        }
        tokenFile = Files.writeString(shared.resolve("token"), TOKEN + "\n");
    }

    /** The forget requests each killed server is sent, in order: every one commits something. */
    static List<String> plan() {
        return List.of(body(ids[0]), body(ids[1], ids[2]), body(ids[3]), body(ids[0], ids[4]), body(ids[5]),
                "{\"class\": 1}", body(ids[6], ids[7], ids[8]), body(ids[9]));
    }

    private static String body(long... v) {
        return "{\"ids\": " + Arrays.toString(v) + "}";
    }

    /**
     * How requests are sent: BURST sends each as soon as the previous one is acknowledged (so the
     * worker coalesces them), SEQUENTIAL waits for each to be done (one commit per request, so
     * the N-th occurrence of a point is reached deterministically).
     */
    enum Mode { BURST, SEQUENTIAL }

    /** One kill point: the faults armed in successive lives of the server (a second one kills recovery). */
    record KillPoint(Mode mode, List<String> faults) {
        @Override
        public String toString() {
            return String.join(" then ", faults) + " (" + mode.name().toLowerCase(java.util.Locale.ROOT) + ")";
        }
    }

    static Stream<KillPoint> killPoints() {
        return Stream.of(
                // accepting: before the log write is forced, and before the 202 is sent
                kp(Mode.BURST, "accept.validated:1"),
                kp(Mode.SEQUENTIAL, "accept.validated:3"),
                kp(Mode.BURST, "wal.written:1"),
                kp(Mode.SEQUENTIAL, "wal.written:4"),
                kp(Mode.BURST, "wal.synced:1"),
                kp(Mode.SEQUENTIAL, "wal.synced:6"),
                // retraining
                kp(Mode.BURST, "worker.batch-taken:1"),
                kp(Mode.SEQUENTIAL, "worker.batch-taken:3"),
                kp(Mode.BURST, "retrain.adapter:1"),
                kp(Mode.BURST, "retrain.adapter:2"),
                kp(Mode.SEQUENTIAL, "retrain.adapter:7"),
                kp(Mode.BURST, "commit.started:1"),
                kp(Mode.SEQUENTIAL, "commit.started:6"),
                // committing, receipts, log compaction
                kp(Mode.BURST, "commit.chunks-written:1"),
                kp(Mode.SEQUENTIAL, "commit.chunks-written:6"),
                kp(Mode.BURST, "commit.adapters-written:1"),
                kp(Mode.SEQUENTIAL, "commit.adapters-written:4"),
                kp(Mode.BURST, "commit.log-appended:1"),
                kp(Mode.SEQUENTIAL, "commit.log-appended:5"),
                kp(Mode.BURST, "commit.manifest-switched:1"),
                kp(Mode.SEQUENTIAL, "commit.manifest-switched:3"),
                kp(Mode.BURST, "commit.cleaned-up:1"),
                kp(Mode.BURST, "receipt.written:1"),
                kp(Mode.SEQUENTIAL, "receipt.written:5"),
                kp(Mode.BURST, "wal.compact-written:1"),
                kp(Mode.SEQUENTIAL, "wal.compacted:2"),
                // a second kill while the restarted service recovers
                kp(Mode.BURST, "commit.manifest-switched:1", "recovery.receipt:1"),
                kp(Mode.SEQUENTIAL, "commit.log-appended:3", "worker.batch-taken:1"),
                kp(Mode.BURST, "receipt.written:1", "wal.compact-written:1"));
    }

    private static KillPoint kp(Mode mode, String... faults) {
        return new KillPoint(mode, List.of(faults));
    }

    /** A request sent to a server that was then killed: acknowledged when it has an id. */
    record Sent(String body, String requestId) {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killPoints")
    void everyAcknowledgedRequestCompletesExactlyOnceAfterKill9(KillPoint kp, @TempDir Path tmp) throws Exception {
        Path model = Cli.copyTree(base, tmp.resolve("model"));
        Path log = tmp.resolve("serve.log");
        List<Sent> sent = new ArrayList<>();
        for (int life = 0; life < kp.faults().size(); life++) {
            sent.addAll(liveUntilKilled(model, kp.faults().get(life), kp.mode(), life == 0 ? plan() : List.of(), log));
        }
        List<String> acked = sent.stream().map(Sent::requestId).filter(java.util.Objects::nonNull).toList();

        // restart: every acknowledged request finishes, and the service keeps working
        List<JsonNode> receipts = new ArrayList<>();
        try (LegoNetServer server = LegoNetServer.start(ServerConfig.builder().setModel(model)
                .setToken(BearerToken.of(TOKEN)).optPort(0).optThreads(2).build())) {
            HttpClient c = client();
            for (String id : acked) {
                JsonNode s = awaitDone(c, server.url(), id);
                assertThat(s.get("state").asText()).as("acknowledged request %s after restart; log:%n%s", id,
                        Files.readString(log)).isEqualTo("done");
                receipts.add(s.get("receipt"));
            }
            HttpResponse<String> fresh = c.send(post(server.url(), body(ids[10], ids[11])), HttpResponse.BodyHandlers.ofString());
            assertThat(fresh.statusCode()).isEqualTo(202);
            assertThat(awaitDone(c, server.url(), Cli.JSON.readTree(fresh.body()).get("request_id").asText())
                    .get("state").asText()).isEqualTo("done");
        }
        checkExactlyOnce(model, sent, acked, receipts);
    }

    /**
     * Runs {@code legonet serve} with {@code fault} armed, sends {@code bodies} until it stops at the
     * fault, kills it with SIGKILL and returns what was sent (with the ids of those acknowledged).
     */
    private static List<Sent> liveUntilKilled(Path model, String fault, Mode mode, List<String> bodies, Path log)
            throws Exception {
        List<Sent> sent = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> posts = new ArrayList<>();
        try (ServerProcess p = ServerProcess.start(model, tokenFile, fault, log)) {
            HttpClient c = client();
            for (String body : bodies) {
                if (p.fault().isDone()) {
                    break;
                }
                CompletableFuture<HttpResponse<String>> f = c.sendAsync(post(p.url(), body),
                        HttpResponse.BodyHandlers.ofString());
                posts.add(f);
                sent.add(new Sent(body, null));
                CompletableFuture.anyOf(f, p.fault()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                if (!f.isDone() || f.isCompletedExceptionally()) {
                    break;
                }
                assertThat(f.get().statusCode()).as("forget %s: %s", body, f.get().body()).isEqualTo(202);
                if (mode == Mode.SEQUENTIAL && !awaitDoneUnlessFault(c, p, f.get())) {
                    break;
                }
            }
            String reached = p.fault().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(reached).as("fault point %s reached; log:%n%s", fault, p.stderr()).isNotNull();
            p.kill();
        }
        // a 202 sent before the kill is read now; a request the kill cut off fails
        for (int i = 0; i < posts.size(); i++) {
            try {
                HttpResponse<String> r = posts.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                if (r.statusCode() == 202) {
                    sent.set(i, new Sent(sent.get(i).body(), Cli.JSON.readTree(r.body()).get("request_id").asText()));
                }
            } catch (ExecutionException e) {
                // never acknowledged
            }
        }
        return sent;
    }

    /** Waits until the request answered by {@code accepted} is done; false when the fault came first. */
    private static boolean awaitDoneUnlessFault(HttpClient c, ServerProcess p, HttpResponse<String> accepted)
            throws Exception {
        String id = Cli.JSON.readTree(accepted.body()).get("request_id").asText();
        while (true) {
            CompletableFuture<HttpResponse<String>> g = c.sendAsync(get(p.url(), "/v1/forget/" + id + "?wait_seconds=30"),
                    HttpResponse.BodyHandlers.ofString());
            CompletableFuture.anyOf(g, p.fault()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (!g.isDone() || g.isCompletedExceptionally()) {
                return false;
            }
            if (Cli.JSON.readTree(g.get().body()).get("state").asText().equals("done")) {
                return true;
            }
            if (p.fault().isDone()) {
                return false;
            }
        }
    }

    private static void checkExactlyOnce(Path model, List<Sent> sent, List<String> acked, List<JsonNode> receipts)
            throws IOException {
        assertThat(Files.size(model.resolve("requests.wal"))).as("the request log holds nothing once all is done")
                .isZero();
        try (ModelStore s = ModelStore.open(model, false)) {
            // one commit at most per request, and each id erased once
            List<String> committedRequests = new ArrayList<>();
            List<String> erased = new ArrayList<>();
            for (ChangeRecord r : s.deletions()) {
                committedRequests.addAll(r.requests());
                erased.addAll(r.idHashes());
            }
            assertThat(committedRequests).doesNotHaveDuplicates();
            assertThat(erased).doesNotHaveDuplicates();
            assertThat(s.manifest().deletions().samples()).isEqualTo(erased.size());
            // every acknowledged request: its receipt, its commit, its samples gone
            Set<Long> retained = new HashSet<>();
            for (long id : s.readRaw(Progress.NONE).ids()) {
                retained.add(id);
            }
            for (int i = 0; i < acked.size(); i++) {
                JsonNode rc = receipts.get(i);
                assertThat(rc.get("request_id").asText()).isEqualTo(acked.get(i));
                assertThat(committedRequests).contains(acked.get(i));
                String requestId = acked.get(i);
                String body = sent.stream().filter(x -> requestId.equals(x.requestId())).findFirst().orElseThrow().body();
                JsonNode req = Cli.JSON.readTree(body);
                if (req.has("ids")) {
                    assertThat(rc.get("id_hashes")).hasSize(req.get("ids").size());
                    for (JsonNode id : req.get("ids")) {
                        assertThat(s.wasForgotten(id.asLong())).isTrue();
                        assertThat(retained).doesNotContain(id.asLong());
                    }
                } else {
                    assertThat(rc.get("forgotten").asInt()).isPositive();
                    assertThat(s.readRaw(Progress.NONE).labels()).doesNotContain(1);
                }
            }
            Audit.Report audit = auditOf(s.dir());
            assertThat(audit.problems()).isEmpty();
            assertThat(audit.receipts()).isEqualTo(committedRequests.size() + noOps(audit, s));
            assertThat(new Verifier(2, Progress.NONE).verify(s, false).exact()).as("verify EXACT").isTrue();
        }
    }

    /** Receipts of requests that needed no commit. */
    private static int noOps(Audit.Report audit, ModelStore s) {
        return audit.receipts() - (int) s.deletions().stream().mapToLong(r -> r.requests().size()).sum();
    }

    @Test
    void sigtermFinishesTheBatchAtHandAndLeavesTheRestLoggedForTheNextStart(@TempDir Path tmp) throws Exception {
        Path model = Cli.copyTree(base, tmp.resolve("model"));
        Path log = tmp.resolve("serve.log");
        List<String> acked = new ArrayList<>();
        try (ServerProcess p = ServerProcess.start(model, tokenFile, null, log)) {
            HttpClient c = client();
            for (String body : plan()) {
                HttpResponse<String> r = c.send(post(p.url(), body), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(202);
                acked.add(Cli.JSON.readTree(r.body()).get("request_id").asText());
            }
            assertThat(p.terminate()).as("exit code after SIGTERM").isEqualTo(143);
            assertThat(p.stderr()).contains("stopping").contains("stopped");
        }
        try (LegoNetServer server = LegoNetServer.start(ServerConfig.builder().setModel(model)
                .setToken(BearerToken.of(TOKEN)).optPort(0).optThreads(2).build())) {
            HttpClient c = client();
            for (String id : acked) {
                assertThat(awaitDone(c, server.url(), id).get("state").asText()).isEqualTo("done");
            }
        }
        try (ModelStore s = ModelStore.open(model, false)) {
            assertThat(auditOf(s.dir()).problems()).isEmpty();
            assertThat(auditOf(s.dir()).receipts()).isEqualTo(acked.size());
        }
    }

    // ------------------------------------------------------------------------------------------

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static HttpRequest post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url + "/v1/forget")).timeout(WAIT)
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static HttpRequest get(String url, String path) {
        return HttpRequest.newBuilder(URI.create(url + path)).timeout(WAIT)
                .header("Authorization", "Bearer " + TOKEN).GET().build();
    }

    private static JsonNode awaitDone(HttpClient c, String url, String id) throws Exception {
        for (int i = 0; i < 6; i++) {
            JsonNode s = Cli.JSON.readTree(c.send(get(url, "/v1/forget/" + id + "?wait_seconds=30"),
                    HttpResponse.BodyHandlers.ofString()).body());
            String state = s.path("state").asText();
            if (state.equals("done") || state.equals("failed")) {
                return s;
            }
        }
        throw new TimeoutException("request " + id + " not done in 3 minutes");
    }

    /** Audits the model directory {@code dir}, opened read-only. */
    private static Audit.Report auditOf(java.nio.file.Path dir) {
        try (org.legonet.core.LegoNet n = org.legonet.core.LegoNet.open(dir)) {
            return Audit.run(n);
        }
    }
}

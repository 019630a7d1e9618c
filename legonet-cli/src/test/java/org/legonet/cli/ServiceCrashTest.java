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
import java.util.concurrent.CountDownLatch;
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
import org.legonet.core.LegoNet;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.Progress;
import org.legonet.server.Audit;
import org.legonet.server.BearerToken;
import org.legonet.core.AdapterMask;
import org.legonet.core.ForgetRequest;
import org.legonet.server.FaultInjector;
import org.legonet.server.LegoNetServer;
import org.legonet.server.ServerConfig;

/**
 * Crash safety of {@code legonet serve}, with real processes and SIGKILL. For each kill point, a
 * child JVM serves a copy of a small model with that fault point armed, receives requests until it
 * stops at the point, and is killed with {@code kill -9}. Then the service starts again on the
 * directory and must finish every acknowledged request exactly once: each has one receipt and is
 * named by one commit, the samples it forgot are gone and the samples it added are held (unless a
 * later request forgot them), the request log holds no plaintext, the receipt chain audits clean,
 * {@code verify} finds the model EXACT, and the model's digest equals training from scratch on the
 * samples it holds (the original ones, plus those added, minus those forgotten), from the test's own
 * copy of their features.
 *
 * <p>Two request plans: forgets only ({@link Plan#FORGETS}), and adds interleaved with forgets
 * ({@link Plan#MIXED}, on a model trained without the samples to add; a forget names a sample an
 * earlier add brought, so bursts coalesce adds and forgets into one commit). Kill points cover the
 * three phases: accepting (before the log write is forced, before the 202), retraining (batch
 * taken, adapters retrained, retraining done) and committing (each step of the store commit, the
 * receipts, the log compaction), plus kills during recovery itself.
 *
 * <p>Masks after a crash: the restarted service is held before its first batch, and before
 * anything else it must already mask every adapter holding a sample of an acknowledged forget
 * that no commit carried out ({@code GET /v1/model} and its first prediction show it). Kill points
 * at {@code accept.masked} (a forget masked, nothing written) and {@code recovery.masked} (a
 * restart masked the log, nothing served yet) cover the new steps.
 */
@Execution(ExecutionMode.CONCURRENT)
class ServiceCrashTest {
    private static final String TOKEN = "crash-test-token-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static final LegoNet.Options OPTIONS = new LegoNet.Options(2, Progress.NONE, SmallModels.ID_KEY);

    @TempDir
    static Path shared;
    static Dataset[] split;
    /** The model trained on every private sample. */
    static Path base;
    /** The model trained without the private rows {@link #fresh}, which the mixed plan adds. */
    static Path baseWithoutFresh;
    static Path tokenFile;
    /** Private ids of classes 0 and 2 (class 1 is forgotten by a class request). */
    static long[] ids;
    /** Private rows of classes 0 and 2, none of {@link #ids}: the samples the mixed plan adds. */
    static int[] fresh;

    @BeforeAll
    static void model() throws IOException {
        split = SmallModels.blobs(700, 100, 11);
        base = shared.resolve("base");
        try (LegoNet net = LegoNet.train(SmallModels.config(5), split[0], split[1], OPTIONS, null)) {
            net.save(base);
        }
        // the served copies find the key beside them (Cli.copyTree takes it along), as 'legonet serve' looks for it
        SmallModels.ID_KEY.write(IdKeyOptions.defaultFile(base));
        ids = new long[12];
        fresh = new int[8];
        int n = 0;
        int f = 0;
        for (int r = 0; r < split[1].size() && f < fresh.length; r++) {
            if (split[1].label(r) != 1) {
                if (n < ids.length) {
                    ids[n++] = split[1].id(r);
                } else {
                    fresh[f++] = r;
                }
            }
        }
        int[] keep = java.util.stream.IntStream.range(0, split[1].size())
                .filter(r -> Arrays.stream(fresh).noneMatch(x -> x == r)).toArray();
        baseWithoutFresh = shared.resolve("base-without-fresh");
        try (LegoNet net = LegoNet.train(SmallModels.config(5), split[0], split[1].select(keep, "trained"), OPTIONS,
                null)) {
            net.save(baseWithoutFresh);
        }
        SmallModels.ID_KEY.write(IdKeyOptions.defaultFile(baseWithoutFresh));
        split[1].rowOf(ids[0]); // builds its id index once, before the tests run concurrently
        tokenFile = Files.writeString(shared.resolve("token"), TOKEN + "\n");
    }

    /** One request: where it is posted and its body. */
    record Req(String path, String body) {
        boolean isAdd() {
            return path.equals("/v1/samples");
        }
    }

    /** Which requests each killed server is sent, and on which model. */
    enum Plan {
        /** Forgets of ids and of a class, on the model trained on every private sample. */
        FORGETS,
        /**
         * Adds interleaved with forgets, on the model trained without the samples to add; the
         * fourth request forgets a sample the first adds.
         */
        MIXED;

        Path model() {
            return this == FORGETS ? base : baseWithoutFresh;
        }

        /** The requests, in order: every one commits something. */
        List<Req> requests() {
            if (this == FORGETS) {
                return List.of(forget(ids[0]), forget(ids[1], ids[2]), forget(ids[3]), forget(ids[0], ids[4]),
                        forget(ids[5]), new Req("/v1/forget", "{\"class\": 1}"), forget(ids[6], ids[7], ids[8]),
                        forget(ids[9]));
            }
            return List.of(add(fresh[0], fresh[1]), forget(ids[0]), add(fresh[2]), forget(id(fresh[1]), ids[1]),
                    add(fresh[3], fresh[4], fresh[5]), new Req("/v1/forget", "{\"class\": 1}"),
                    forget(id(fresh[3]), ids[2]), add(fresh[6]));
        }

        /** A request sent once the restarted service has recovered: it must work too. */
        Req afterRestart() {
            return this == FORGETS ? forget(ids[10], ids[11]) : add(fresh[7]);
        }
    }

    private static long id(int row) {
        return split[1].id(row);
    }

    private static Req forget(long... v) {
        return new Req("/v1/forget", "{\"ids\": " + Arrays.toString(v) + "}");
    }

    /** Adds the private rows {@code rows}, their features written as the shortest decimal of each float. */
    private static Req add(int... rows) {
        StringBuilder b = new StringBuilder("{\"samples\": [");
        float[] x = new float[split[1].dim()];
        for (int i = 0; i < rows.length; i++) {
            split[1].copyRow(rows[i], x, 0);
            b.append(i == 0 ? "" : ", ").append("{\"id\": ").append(split[1].id(rows[i])).append(", \"label\": ")
                    .append(split[1].label(rows[i])).append(", \"features\": [");
            for (int c = 0; c < x.length; c++) {
                b.append(c == 0 ? "" : ", ").append(x[c]);
            }
            b.append("]}");
        }
        return new Req("/v1/samples", b.append("]}").toString());
    }

    /**
     * How requests are sent: BURST sends each as soon as the previous one is acknowledged (so the
     * worker coalesces them), SEQUENTIAL waits for each to be done (one commit per request, so
     * the N-th occurrence of a point is reached deterministically).
     */
    enum Mode { BURST, SEQUENTIAL }

    /** One kill point: the faults armed in successive lives of the server (a second one kills recovery). */
    record KillPoint(Mode mode, Plan plan, List<String> faults) {
        @Override
        public String toString() {
            return String.join(" then ", faults) + " (" + mode.name().toLowerCase(java.util.Locale.ROOT)
                    + (plan == Plan.MIXED ? ", adds and forgets" : "") + ")";
        }
    }

    static Stream<KillPoint> killPoints() {
        return Stream.of(
                // accepting: before the log write is forced, and before the 202 is sent
                kp(Mode.BURST, "accept.validated:1"),
                kp(Mode.BURST, "accept.masked:1"),
                kp(Mode.SEQUENTIAL, "accept.masked:4"),
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
                kp(Mode.BURST, "receipt.written:1", "wal.compact-written:1"),
                kp(Mode.BURST, "worker.batch-taken:1", "recovery.masked:1"),
                kp(Mode.SEQUENTIAL, "retrain.adapter:7", "recovery.masked:1"),
                // the same phases with adds among the forgets (request 1, 3, 5 and 8 add)
                mixed(Mode.BURST, "accept.validated:2"),
                mixed(Mode.SEQUENTIAL, "accept.masked:3"),
                mixed(Mode.BURST, "retrain.adapter:2", "recovery.masked:1"),
                mixed(Mode.SEQUENTIAL, "wal.written:3"),
                mixed(Mode.BURST, "wal.synced:1"),
                mixed(Mode.SEQUENTIAL, "wal.synced:5"),
                mixed(Mode.BURST, "worker.batch-taken:1"),
                mixed(Mode.SEQUENTIAL, "worker.batch-taken:4"),
                mixed(Mode.BURST, "retrain.adapter:2"),
                mixed(Mode.SEQUENTIAL, "retrain.adapter:5"),
                mixed(Mode.BURST, "commit.started:1"),
                mixed(Mode.SEQUENTIAL, "commit.chunks-written:3"),
                mixed(Mode.BURST, "commit.adapters-written:1"),
                mixed(Mode.SEQUENTIAL, "commit.log-appended:4"),
                mixed(Mode.BURST, "commit.manifest-switched:1"),
                mixed(Mode.SEQUENTIAL, "commit.manifest-switched:5"),
                mixed(Mode.BURST, "commit.cleaned-up:1"),
                mixed(Mode.SEQUENTIAL, "commit.cleaned-up:8"),
                mixed(Mode.BURST, "receipt.written:1"),
                mixed(Mode.SEQUENTIAL, "receipt.written:3"),
                mixed(Mode.BURST, "wal.compact-written:1"),
                mixed(Mode.SEQUENTIAL, "wal.compacted:5"),
                mixed(Mode.BURST, "commit.manifest-switched:1", "recovery.receipt:1"),
                mixed(Mode.SEQUENTIAL, "commit.log-appended:3", "worker.batch-taken:1"),
                mixed(Mode.BURST, "receipt.written:1", "wal.compact-written:1"));
    }

    private static KillPoint kp(Mode mode, String... faults) {
        return new KillPoint(mode, Plan.FORGETS, List.of(faults));
    }

    private static KillPoint mixed(Mode mode, String... faults) {
        return new KillPoint(mode, Plan.MIXED, List.of(faults));
    }

    /** A request sent to a server that was then killed: acknowledged when it has an id. */
    record Sent(Req req, String requestId) {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killPoints")
    void everyAcknowledgedRequestCompletesExactlyOnceAfterKill9(KillPoint kp, @TempDir Path tmp) throws Exception {
        Path model = Cli.copyTree(kp.plan().model(), tmp.resolve("model"));
        Path log = tmp.resolve("serve.log");
        List<Sent> sent = new ArrayList<>();
        for (int life = 0; life < kp.faults().size(); life++) {
            sent.addAll(liveUntilKilled(model, kp.faults().get(life), kp.mode(),
                    life == 0 ? kp.plan().requests() : List.of(), log));
        }
        List<String> acked = new ArrayList<>(sent.stream().map(Sent::requestId).filter(java.util.Objects::nonNull)
                .toList());

        // the adapters the restarted service must mask before it answers: those holding a sample of
        // an acknowledged forget that no commit carried out
        AdapterMask mustMask = AdapterMask.NONE;
        try (LegoNet before = LegoNet.open(model, OPTIONS)) {
            Set<String> committed = new HashSet<>();
            before.history().forEach(r -> committed.addAll(r.requests()));
            for (Sent x : sent) {
                if (x.requestId() != null && !x.req().isAdd() && !committed.contains(x.requestId())) {
                    JsonNode body = Cli.JSON.readTree(x.req().body());
                    ForgetRequest fr = body.has("class") ? ForgetRequest.ofClass(body.get("class").asInt())
                            : ForgetRequest.ofIds(longs(body.get("ids")));
                    mustMask = mustMask.union(before.adaptersHolding(fr));
                }
            }
        }

        // restart, held before the first batch: the masks come first; then every acknowledged
        // request finishes, and the service keeps working
        List<JsonNode> receipts = new ArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        FaultInjector holdFirstBatch = point -> {
            if (point.equals(FaultInjector.BATCH_TAKEN)) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (LegoNetServer server = LegoNetServer.start(ServerConfig.builder().setModel(model).optIdKey(SmallModels.ID_KEY)
                .setToken(BearerToken.of(TOKEN)).optPort(0).optThreads(2).optFaults(holdFirstBatch)
                .optMaskWait(Duration.ZERO).build())) {
            HttpClient c = client();
            JsonNode served = Cli.JSON.readTree(c.send(get(server.url(), "/v1/model"), HttpResponse.BodyHandlers.ofString())
                    .body());
            AdapterMask mask = AdapterMask.of(ints(served.get("mask").get("adapters")));
            assertThat(mask.containsAll(mustMask)).as("restarted service masks %s, must mask %s", mask, mustMask).isTrue();
            HttpResponse<String> first = c.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/predict"))
                    .timeout(WAIT).header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"instances\": [" + instance(split[1].rowOf(ids[0])) + "]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (first.statusCode() == 200) {
                JsonNode a = Cli.JSON.readTree(first.body());
                assertThat(AdapterMask.of(ints(a.get("mask").get("adapters"))).containsAll(mustMask)).isTrue();
                assertThat(Arrays.stream(ints(a.get("predictions").get(0).get("adapters"))).noneMatch(mustMask::contains))
                        .isTrue();
            } else {
                assertThat(first.statusCode()).as(first.body()).isEqualTo(503);
                assertThat(Cli.JSON.readTree(first.body()).get("error").get("code").asText()).isEqualTo("masked");
            }
            release.countDown();
            for (String id : acked) {
                JsonNode s = awaitDone(c, server.url(), id);
                assertThat(s.get("state").asText()).as("acknowledged request %s after restart; log:%n%s", id,
                        Files.readString(log)).isEqualTo("done");
                receipts.add(s.get("receipt"));
            }
            Req last = kp.plan().afterRestart();
            HttpResponse<String> more = c.send(post(server.url(), last), HttpResponse.BodyHandlers.ofString());
            assertThat(more.statusCode()).as(more.body()).isEqualTo(202);
            String lastId = Cli.JSON.readTree(more.body()).get("request_id").asText();
            JsonNode s = awaitDone(c, server.url(), lastId);
            assertThat(s.get("state").asText()).isEqualTo("done");
            sent.add(new Sent(last, lastId));
            acked.add(lastId);
            receipts.add(s.get("receipt"));
        }
        checkExactlyOnce(model, sent, acked, receipts);
    }

    /**
     * Runs {@code legonet serve} with {@code fault} armed, sends {@code bodies} until it stops at the
     * fault, kills it with SIGKILL and returns what was sent (with the ids of those acknowledged).
     */
    private static List<Sent> liveUntilKilled(Path model, String fault, Mode mode, List<Req> requests, Path log)
            throws Exception {
        List<Sent> sent = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> posts = new ArrayList<>();
        try (ServerProcess p = ServerProcess.start(model, tokenFile, fault, log)) {
            HttpClient c = client();
            for (Req req : requests) {
                if (p.fault().isDone()) {
                    break;
                }
                CompletableFuture<HttpResponse<String>> f = c.sendAsync(post(p.url(), req),
                        HttpResponse.BodyHandlers.ofString());
                posts.add(f);
                sent.add(new Sent(req, null));
                CompletableFuture.anyOf(f, p.fault()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                if (!f.isDone() || f.isCompletedExceptionally()) {
                    break;
                }
                assertThat(f.get().statusCode()).as("%s %s: %s", req.path(), req.body(), f.get().body()).isEqualTo(202);
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
                    sent.set(i, new Sent(sent.get(i).req(), Cli.JSON.readTree(r.body()).get("request_id").asText()));
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
            CompletableFuture<HttpResponse<String>> g = c.sendAsync(get(p.url(), "/v1/requests/" + id + "?wait_seconds=30"),
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
        try (LegoNet m = LegoNet.open(model, OPTIONS)) {
            // one commit at most per request, and each id erased once
            List<String> committedRequests = new ArrayList<>();
            List<String> erased = new ArrayList<>();
            for (ChangeRecord r : m.history()) {
                committedRequests.addAll(r.requests());
                erased.addAll(r.idHashes());
            }
            assertThat(committedRequests).doesNotHaveDuplicates();
            assertThat(erased).doesNotHaveDuplicates();
            assertThat(m.info().samplesForgotten()).isEqualTo(erased.size());
            // every acknowledged request: its receipt, its commit, its samples gone or held
            for (int i = 0; i < acked.size(); i++) {
                JsonNode rc = receipts.get(i);
                String requestId = acked.get(i);
                assertThat(rc.get("request_id").asText()).isEqualTo(requestId);
                assertThat(committedRequests).contains(requestId);
                int at = indexOf(sent, requestId);
                Req req = sent.get(at).req();
                JsonNode body = Cli.JSON.readTree(req.body());
                if (req.isAdd()) {
                    assertThat(rc.get("kind").asText()).isEqualTo("add");
                    assertThat(rc.get("added").asInt()).isEqualTo(body.get("samples").size());
                    for (JsonNode sample : body.get("samples")) {
                        long id = sample.get("id").asLong();
                        assertThat(m.holds(id) || m.wasForgotten(id) && forgottenLater(sent, at, id))
                                .as("sample %d added by %s is held, or forgotten by a later request", id, requestId)
                                .isTrue();
                    }
                } else if (body.has("ids")) {
                    assertThat(rc.get("id_hashes")).hasSize(body.get("ids").size());
                    for (JsonNode id : body.get("ids")) {
                        assertThat(m.wasForgotten(id.asLong())).isTrue();
                        assertThat(m.holds(id.asLong())).isFalse();
                    }
                } else {
                    assertThat(rc.get("forgotten").asInt()).isPositive();
                    assertThat(m.retainedSamples().labels()).doesNotContain(1);
                }
            }
            // exact: the model trained from scratch on what it holds, from the test's own features
            long[] held = m.retainedIds();
            int[] rows = new int[held.length];
            for (int i = 0; i < held.length; i++) {
                rows[i] = split[1].rowOf(held[i]);
                assertThat(rows[i]).as("held sample %d is one of the original or added ones", held[i]).isNotNegative();
            }
            try (LegoNet reference = LegoNet.train(SmallModels.config(5), split[0], split[1].select(rows, "held"),
                    OPTIONS, null)) {
                assertThat(m.digest()).as("the model equals training from scratch on the samples it holds")
                        .isEqualTo(reference.digest());
            }
            Audit.Report audit = Audit.run(m);
            assertThat(audit.problems()).isEmpty();
            int inCommits = (int) m.history().stream().mapToLong(r -> r.requests().size()).sum();
            assertThat(inCommits).isEqualTo(committedRequests.size());
            assertThat(audit.receipts()).as("one receipt per committed request, plus no-ops")
                    .isGreaterThanOrEqualTo(committedRequests.size());
            assertThat(m.verify().provenExact()).as("verify EXACT").isTrue();
        }
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }

    private static long[] longs(JsonNode a) {
        long[] v = new long[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asLong();
        }
        return v;
    }

    /** The features of private row {@code row} as a JSON array. */
    private static String instance(int row) {
        float[] x = new float[split[1].dim()];
        split[1].copyRow(row, x, 0);
        StringBuilder b = new StringBuilder("[");
        for (int c = 0; c < x.length; c++) {
            b.append(c == 0 ? "" : ",").append(x[c]);
        }
        return b.append(']').toString();
    }

    private static int indexOf(List<Sent> sent, String requestId) {
        for (int i = 0; i < sent.size(); i++) {
            if (requestId.equals(sent.get(i).requestId())) {
                return i;
            }
        }
        throw new AssertionError("request " + requestId + " was not sent");
    }

    /** Whether a forget sent after request {@code at} names {@code id}. */
    private static boolean forgottenLater(List<Sent> sent, int at, long id) throws IOException {
        for (int i = at + 1; i < sent.size(); i++) {
            JsonNode body = Cli.JSON.readTree(sent.get(i).req().body());
            if (!sent.get(i).req().isAdd() && body.has("ids")) {
                for (JsonNode x : body.get("ids")) {
                    if (x.asLong() == id) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void sigtermFinishesTheBatchAtHandAndLeavesTheRestLoggedForTheNextStart(@TempDir Path tmp) throws Exception {
        Path model = Cli.copyTree(base, tmp.resolve("model"));
        Path log = tmp.resolve("serve.log");
        List<String> acked = new ArrayList<>();
        try (ServerProcess p = ServerProcess.start(model, tokenFile, null, log)) {
            HttpClient c = client();
            for (Req req : Plan.FORGETS.requests()) {
                HttpResponse<String> r = c.send(post(p.url(), req), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(202);
                acked.add(Cli.JSON.readTree(r.body()).get("request_id").asText());
            }
            assertThat(p.terminate()).as("exit code after SIGTERM").isEqualTo(143);
            assertThat(p.stderr()).contains("stopping").contains("stopped");
        }
        try (LegoNetServer server = LegoNetServer.start(ServerConfig.builder().setModel(model).optIdKey(SmallModels.ID_KEY)
                .setToken(BearerToken.of(TOKEN)).optPort(0).optThreads(2).build())) {
            HttpClient c = client();
            for (String id : acked) {
                assertThat(awaitDone(c, server.url(), id).get("state").asText()).isEqualTo("done");
            }
        }
        try (LegoNet m = LegoNet.open(model, OPTIONS)) {
            assertThat(Audit.run(m).problems()).isEmpty();
            assertThat(Audit.run(m).receipts()).isEqualTo(acked.size());
        }
    }

    // ------------------------------------------------------------------------------------------

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static HttpRequest post(String url, Req req) {
        return HttpRequest.newBuilder(URI.create(url + req.path())).timeout(WAIT)
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(req.body())).build();
    }

    private static HttpRequest get(String url, String path) {
        return HttpRequest.newBuilder(URI.create(url + path)).timeout(WAIT)
                .header("Authorization", "Bearer " + TOKEN).GET().build();
    }

    private static JsonNode awaitDone(HttpClient c, String url, String id) throws Exception {
        for (int i = 0; i < 6; i++) {
            JsonNode s = Cli.JSON.readTree(c.send(get(url, "/v1/requests/" + id + "?wait_seconds=30"),
                    HttpResponse.BodyHandlers.ofString()).body());
            String state = s.path("state").asText();
            if (state.equals("done") || state.equals("failed")) {
                return s;
            }
        }
        throw new TimeoutException("request " + id + " not done in 3 minutes");
    }
}

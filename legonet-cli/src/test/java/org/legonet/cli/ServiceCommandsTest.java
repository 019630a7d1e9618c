package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.store.ModelStore;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.Progress;
import org.legonet.server.BearerToken;
import org.legonet.server.LegoNetServer;
import org.legonet.server.ServerConfig;

/** {@code serve} start-up errors, the lock it holds, {@code audit} and {@code loadtest}, on a small model. */
@Execution(ExecutionMode.CONCURRENT)
class ServiceCommandsTest {
    private static final String TOKEN = "commands-test-token-0123";

    @TempDir
    static Path shared;
    static Path base;
    static long[] ids;
    static Dataset privateData;

    @BeforeAll
    static void model() {
        Dataset[] split = SmallModels.blobs(700, 100, 11);
        base = shared.resolve("base");
        ModelStore.create(base, SmallModels.train(SmallModels.config(5), split), SmallModels.info(split),
                SmallModels.ID_KEY, false, Progress.NONE);
        SmallModels.ID_KEY.write(IdKeyOptions.defaultFile(base));
        ids = new long[] {split[1].id(0), split[1].id(1), split[1].id(2)};
        privateData = split[1];
    }

    private static LegoNetServer server(Path model) {
        return LegoNetServer.start(ServerConfig.builder().setModel(model).optIdKey(SmallModels.ID_KEY)
                .setToken(BearerToken.of(TOKEN)).optPort(0).optThreads(1).build());
    }

    @Test
    void serveWithoutATokenIsAOneLineError(@TempDir Path tmp) throws IOException {
        assumeThat(System.getenv(BearerToken.ENV)).as("LEGONET_TOKEN unset in the test environment").isNull();
        Path model = Cli.copyTree(base, tmp.resolve("m"));
        Cli.run("serve", "--model", model, "--port", 0).badInput("no bearer token", "--token-file", "LEGONET_TOKEN");
        Path empty = Files.writeString(tmp.resolve("empty"), "\n");
        Cli.run("serve", "--model", model, "--port", 0, "--token-file", empty).badInput("token is empty");
        Cli.run("serve", "--model", model, "--port", 0, "--token-file", tmp.resolve("missing"))
                .badInput("cannot read the token file");
    }

    @Test
    void theTokenComesFromTheFileElseTheEnvironment(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("t"), "from-file\nsecond line ignored\n");
        assertThat(ServeCommand.token(file, Map.of(BearerToken.ENV, "from-env")).matches("from-file")).isTrue();
        assertThat(ServeCommand.token(null, Map.of(BearerToken.ENV, "from-env\n")).matches("from-env")).isTrue();
        assertThat(ServeCommand.token(null, Map.of(BearerToken.ENV, "from-env")).matches("from-file")).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServeCommand.token(null, Map.of()))
                .isInstanceOf(LegoNetException.class).hasMessageContaining("LEGONET_TOKEN");
    }

    @Test
    void aServedDirectoryRefusesOtherWritersButNotReaders(@TempDir Path tmp) {
        Path model = Cli.copyTree(base, tmp.resolve("m"));
        try (LegoNetServer server = server(model)) {
            Cli.Run r = Cli.run("forget", "--model", model, "--id", ids[0], "--quiet")
                    .badInput("locked by another writer", ".lock", "legonet serve");
            assertThat(r.errLines()).hasSize(1);
            assertThat(Cli.run("verify", "--model", model, "--quiet").ok().out()).startsWith("EXACT");
            assertThat(Cli.run("info", "--model", model, "--json").ok().json().get("model_digest").asText())
                    .isEqualTo(server.modelDigest());
            assertThat(Cli.run("audit", "--model", model).ok().out()).startsWith("AUDIT OK");
        }
        // without a server, the command line writes again
        Cli.run("forget", "--model", model, "--id", ids[0], "--quiet").ok();
    }

    /**
     * A served answer, given under the mask of forgets whose retraining is held, is reproduced bit
     * for bit by {@code legonet predict --mask --expect-digest} on the directory; after the commit,
     * the answer of the new generation is reproduced too, and the old digest is refused.
     */
    @Test
    void predictWithTheMaskOfAServedAnswerReproducesItBitForBit(@TempDir Path tmp) throws Exception {
        Path model = Cli.copyTree(base, tmp.resolve("m"));
        int rows = 40;
        // samples whose route is not the forgotten sample's (row 100), so that the mask leaves them an adapter
        List<Integer> picked = new java.util.ArrayList<>();
        try (org.legonet.core.LegoNet net = org.legonet.core.LegoNet.open(base)) {
            org.legonet.core.Predictions p = net.predict(privateData);
            java.util.Set<Integer> gone = new java.util.TreeSet<>();
            for (int a : p.adapters(100)) {
                gone.add(a);
            }
            for (int r = 101; picked.size() < rows; r++) {
                if (!java.util.Arrays.stream(p.adapters(r)).allMatch(gone::contains)) {
                    picked.add(r);
                }
            }
        }
        StringBuilder body = new StringBuilder("{\"instances\": [");
        List<String> csv = new java.util.ArrayList<>();
        for (int r = 0; r < rows; r++) {
            float[] x = new float[privateData.dim()];
            privateData.copyRow(picked.get(r), x, 0);
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < x.length; c++) {
                line.append(c == 0 ? "" : ",").append(Float.toString(x[c]));
            }
            csv.add(line.toString());
            body.append(r == 0 ? "[" : ",[").append(line).append(']');
        }
        Path input = Files.write(tmp.resolve("x.csv"), csv);
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        org.legonet.server.FaultInjector hold = point -> {
            if (point.equals(org.legonet.server.FaultInjector.BATCH_TAKEN) && held.getCount() > 0) {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        JsonNode masked;
        JsonNode after;
        try (LegoNetServer server = LegoNetServer.start(ServerConfig.builder().setModel(model).optIdKey(SmallModels.ID_KEY)
                .setToken(BearerToken.of(TOKEN)).optPort(0).optThreads(1).optFaults(hold)
                .optMaskWait(java.time.Duration.ZERO).build())) {
            var http = java.net.http.HttpClient.newHttpClient();
            String last = null;
            for (long id : new long[] {privateData.id(100)}) {
                last = Cli.JSON.readTree(http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(server.url() + "/v1/forget")).header("Authorization", "Bearer " + TOKEN)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"ids\": [" + id + "]}")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body()).get("request_id").asText();
            }
            assertThat(held.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            masked = predict(http, server, body + "]}");
            release.countDown();
            var st = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "/v1/forget/" + last
                    + "?wait_seconds=30")).header("Authorization", "Bearer " + TOKEN).build();
            assertThat(Cli.JSON.readTree(http.send(st, java.net.http.HttpResponse.BodyHandlers.ofString()).body())
                    .get("state").asText()).isEqualTo("done");
            after = predict(http, server, body + "]}");
        }
        assertThat(masked.get("mask").get("adapters").size()).as("the held forgets mask adapters").isGreaterThan(0);
        assertThat(after.get("generation").asLong()).isGreaterThan(masked.get("generation").asLong());
        // the directory now holds the later generation: the earlier answer needs the copy taken before
        Cli.run("predict", "--model", model, "--input", input, "--expect-digest", masked.get("model_digest").asText())
                .badInput("holds model " + after.get("model_digest").asText());
        for (JsonNode served : List.of(masked, after)) {
            Path dir = served == masked ? base : model;
            StringBuilder m = new StringBuilder();
            for (JsonNode a : served.get("mask").get("adapters")) {
                m.append(m.length() == 0 ? "" : ",").append(a.asInt());
            }
            JsonNode offline = Cli.run("predict", "--model", dir, "--input", input, "--json", "--mask", m.toString(),
                    "--expect-digest", served.get("model_digest").asText()).ok().json();
            assertThat(offline.get("generation").asLong()).isEqualTo(served.get("generation").asLong());
            for (int r = 0; r < rows; r++) {
                JsonNode a = served.get("predictions").get(r);
                JsonNode b = offline.get("predictions").get(r);
                assertThat(b.get("label").asInt()).isEqualTo(a.get("label").asInt());
                assertThat(b.get("adapters")).isEqualTo(a.get("adapters"));
                for (int c = 0; c < a.get("probabilities").size(); c++) {
                    assertThat(Float.floatToIntBits((float) b.get("probabilities").get(c).asDouble()))
                            .isEqualTo(Float.floatToIntBits((float) a.get("probabilities").get(c).asDouble()));
                }
            }
        }
    }

    private static JsonNode predict(java.net.http.HttpClient http, LegoNetServer server, String body) throws Exception {
        var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "/v1/predict"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
        return Cli.JSON.readTree(resp.body());
    }

    @Test
    void auditPassesAnIntactChainAndNamesAnEditedReceipt(@TempDir Path tmp) throws Exception {
        Path model = Cli.copyTree(base, tmp.resolve("m"));
        try (LegoNetServer server = server(model)) {
            var http = java.net.http.HttpClient.newHttpClient();
            for (long id : ids) {
                var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "/v1/forget"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"ids\": [" + id + "]}")).build();
                String rid = Cli.JSON.readTree(http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString()).body())
                        .get("request_id").asText();
                var st = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "/v1/forget/" + rid
                        + "?wait_seconds=30")).header("Authorization", "Bearer " + TOKEN).build();
                assertThat(Cli.JSON.readTree(http.send(st, java.net.http.HttpResponse.BodyHandlers.ofString()).body())
                        .get("state").asText()).isEqualTo("done");
            }
        }
        Cli.Run ok = Cli.run("audit", "--model", model).ok();
        assertThat(ok.outLines().get(0)).isEqualTo("AUDIT OK");
        assertThat(ok.out()).contains("receipts      3, chain head").contains("3 commits (3 by the service)");
        JsonNode j = Cli.run("audit", "--model", model, "--json").ok().json();
        assertThat(j.get("ok").asBoolean()).isTrue();
        assertThat(j.get("receipts").asInt()).isEqualTo(3);

        Path receipts = model.resolve("receipts.jsonl");
        List<String> lines = Files.readAllLines(receipts);
        String second = lines.get(1);
        String rid = Cli.JSON.readTree(second).get("request_id").asText();
        lines.set(1, second.replace("\"already_forgotten\":0", "\"already_forgotten\":1"));
        assertThat(lines.get(1)).isNotEqualTo(second);
        Files.write(receipts, lines);
        Cli.Run bad = Cli.run("audit", "--model", model);
        assertThat(bad.exit()).isEqualTo(LegoNetCli.NOT_EXACT);
        assertThat(bad.outLines().get(0)).isEqualTo("AUDIT FAILED");
        assertThat(bad.out()).contains("problem: receipt 2 (request " + rid + ") was altered");
    }

    @Test
    void aSmallLoadRunAtASteadyRateEndsByItselfWithNoErrorsNoViolationsAndNothingLost(@TempDir Path tmp) {
        Path model = Cli.copyTree(base, tmp.resolve("m"));
        Cli.Run r = Cli.run("loadtest", "--model", model, "--clients", 8, "--forgets", 20, "--forget-rate", 200,
                "--threads", 1, "--quiet").ok();
        assertThat(r.outLines().get(0)).isEqualTo("Load run OK.");
        assertThat(r.out()).contains("0 predict, 0 forget; 0 failed, 0 lost, 0 doubled").contains("20 sent at 200/s")
                .contains("20 acknowledged").containsPattern("masking +OK: 0 violations in [0-9,]+ answers")
                .containsPattern("request -> masked +p50 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms \\(server")
                .containsPattern("request log +[0-9]+ records, [0-9]+ fsyncs: [0-9.]+ fsyncs per acknowledged request")
                .containsPattern("audit +OK, 20 receipts").containsPattern("verify +EXACT");
        // the original is untouched and the copy is gone
        try (ModelStore s = ModelStore.open(model, false, SmallModels.ID_KEY)) {
            assertThat(s.deletions()).isEmpty();
        }
        assertThat(Cli.list(tmp)).containsExactly("m", "m.idkey");
    }

    @Test
    void theLoadRunsJsonHasTheMaskingCheckAndTheServersTimings(@TempDir Path tmp) {
        Path model = Cli.copyTree(base, tmp.resolve("m"));
        JsonNode j = Cli.run("loadtest", "--model", model, "--clients", 2, "--forgets", 5, "--forget-rate", 50,
                "--threads", 1, "--no-verify", "--json").ok().json();
        assertThat(j.get("result").asText()).isEqualTo("OK");
        JsonNode load = j.get("load");
        assertThat(load.get("forget_rate").asDouble()).isEqualTo(50);
        assertThat(load.get("achieved_rate").asDouble()).isPositive();
        assertThat(load.get("forgets_accepted").asInt()).isEqualTo(5);
        assertThat(load.get("mask").get("violations").asLong()).isZero();
        assertThat(load.get("mask").get("answers").asLong()).isEqualTo(load.get("predict_requests").asLong());
        assertThat(load.get("mask").get("unavailable").isNull()).isTrue();
        assertThat(load.get("masked_p99_ms").asDouble()).isPositive();
        assertThat(load.get("server_ack_p99_ms").asDouble()).isPositive();
        assertThat(load.get("wal_records").asDouble()).isEqualTo(5);
        assertThat(load.get("fsyncs_per_request").asDouble()).isBetween(0.0, 1.0);
        assertThat(load.has("request_ids")).isFalse();
        assertThat(j.get("doubled").get("receipted_twice").asInt()).isZero();
        assertThat(j.get("doubled").get("erased_twice").asInt()).isZero();
    }
}

package org.legonet.cli;

import org.legonet.core.testing.Golden;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.IdKey;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.Synthetic;
import org.legonet.server.BearerToken;
import org.legonet.server.LegoNetServer;
import org.legonet.server.ServerConfig;

/**
 * Keyed id hashes from the command line: what an attacker holding only the model directory learns
 * by hashing every id of the id space (nothing, for a keyed model; everything, for an older
 * unkeyed one, until {@code rekey}), and the one-line errors of a wrong, missing or malformed key.
 */
class IdKeyCommandsTest {
    private static final String TOKEN = "id-key-test-token-0123";
    /** The id space the attack hashes: every id a Fashion-MNIST-sized training file can have. */
    private static final int ID_SPACE = 60_000;

    @BeforeAll
    static void noKeyInTheEnvironment() {
        assumeThat(System.getenv(IdKey.ENV)).as(IdKey.ENV + " unset in the test environment").isNull();
    }

    private static Path train(Path tmp) {
        Path csv = GeneratedCsv.blobs(tmp.resolve("blobs.csv"), 600, 6, 3, 9);
        Path model = tmp.resolve("m");
        Cli.Run r = Cli.run("train", "--model", model, "--data", csv, "--public", 100, "--encoder", "pca:4", "-n", 6,
                "-k", 2, "--adapter", "mlp:8", "--epochs", 1, "--threads", 2, "--quiet").ok();
        assertThat(r.out()).contains("id key").contains(IdKeyOptions.defaultFile(model)
                + " (new: keep it apart from the model directory");
        return model;
    }

    @Test
    void bruteForcingTheIdSpaceWithTheDirectoryAloneFindsNoForgottenId(@TempDir Path tmp) throws Exception {
        Path model = train(tmp);
        Path keyFile = IdKeyOptions.defaultFile(model);
        assertThat(keyFile.getParent()).isEqualTo(model.toAbsolutePath().normalize().getParent());
        IdKey key = IdKey.read(keyFile);
        Cli.run("forget", "--model", model, "--id", 300, "--id", 301, "--quiet").ok();
        forgetThroughTheService(model, key, 400);

        Attack attack = Attack.on(model);
        assertThat(attack.logHashes()).hasSize(3);
        assertThat(attack.receiptHashes()).hasSize(1);
        assertThat(attack.recover(Attack::unkeyed)).as("ids recovered by SHA-256 with the directory's salt").isEmpty();
        IdKey wrong = IdKey.generate();
        assertThat(attack.recover((salt, id) -> wrong.hashId(salt, id))).as("ids recovered with a wrong key").isEmpty();
        // the same search with the key finds them all: the attack itself works
        assertThat(attack.recover(key::hashId)).containsExactlyInAnyOrder(300L, 301L, 400L);
        assertThat(Cli.run("info", "--model", model, "--json").ok().json().get("id_hashes_keyed").asBoolean())
                .isTrue();
        assertThat(Cli.run("audit", "--model", model).ok().out()).startsWith("AUDIT OK");
        // eval finds the forgotten samples again with the key from its default place
        JsonNode eval = Cli.run("eval", "--model", model, "--data", tmp.resolve("blobs.csv"), "--public", 100, "--json",
                "--quiet").ok().json();
        assertThat(eval.get("forgotten").get("samples").asInt()).isEqualTo(3);
    }

    @Test
    void aMissingWrongOrMalformedKeyIsAOneLineErrorAndChangesNothing(@TempDir Path tmp) throws IOException {
        Path model = train(tmp);
        Cli.run("forget", "--model", model, "--id", 299, "--quiet").ok();
        Path keyFile = IdKeyOptions.defaultFile(model);
        Path moved = Files.move(keyFile, tmp.resolve("kept-apart.idkey"));
        String digest = Cli.run("info", "--model", model, "--json").ok().json().get("model_digest").asText();
        Cli.run("forget", "--model", model, "--id", 300, "--quiet")
                .badInput("no id key", "--id-key-file", IdKey.ENV, keyFile.toString());
        Cli.run("eval", "--model", model, "--json", "--quiet")
                .badInput("no id key", "--id-key-file", IdKey.ENV, keyFile.toString());
        Path wrong = tmp.resolve("wrong.idkey");
        IdKey.generate().write(wrong);
        Cli.run("forget", "--model", model, "--id", 300, "--id-key-file", wrong, "--quiet")
                .badInput("is not the key of", "--id-key-file");
        Path malformed = Files.writeString(tmp.resolve("malformed.idkey"), "0123 not a key\n");
        Cli.run("forget", "--model", model, "--id", 300, "--id-key-file", malformed, "--quiet")
                .badInput("malformed.idkey", "64 hex digits");
        Cli.run("add", "--model", model, "--data", tmp.resolve("blobs.csv"), "--first-id", 5000, "--quiet")
                .badInput("no id key");
        Path token = Files.writeString(tmp.resolve("token"), TOKEN + "\n");
        if (Files.getFileStore(token).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        Cli.run("serve", "--model", model, "--port", 0, "--token-file", token)
                .badInput("no id key", "--id-key-file", IdKey.ENV, keyFile.toString());
        // predict, verify, info and audit need no key
        assertThat(Cli.run("verify", "--model", model, "--quiet").ok().out()).startsWith("EXACT");
        assertThat(Cli.run("audit", "--model", model).ok().out()).startsWith("AUDIT OK");
        assertThat(Cli.run("info", "--model", model, "--json").ok().json().get("model_digest").asText())
                .isEqualTo(digest);
        // with the key given by file, the forget goes through
        Cli.run("forget", "--model", model, "--id", 300, "--id-key-file", moved, "--quiet").ok();
        // train with an explicit key file that exists uses it and writes no other
        Path second = tmp.resolve("m2");
        Cli.Run r = Cli.run("train", "--model", second, "--data", tmp.resolve("blobs.csv"), "--public", 100,
                "--encoder", "pca:4", "-n", 6, "-k", 2, "--epochs", 1, "--threads", 2, "--id-key-file", moved,
                "--quiet").ok();
        assertThat(r.out()).contains(moved.toString()).doesNotContain("(new:");
        assertThat(Files.exists(IdKeyOptions.defaultFile(second))).isFalse();
        Cli.run("forget", "--model", second, "--id", 300, "--id-key-file", moved, "--quiet").ok();
        // a key file inside the model directory is refused when train would create it
        Cli.run("train", "--model", tmp.resolve("m3"), "--data", tmp.resolve("blobs.csv"), "--public", 100,
                "--id-key-file", tmp.resolve("m3/key"), "--quiet").badInput("must not be inside the model directory");
    }

    @Test
    void anUnkeyedModelRevealsEveryForgottenIdUntilRekeyed(@TempDir Path tmp) throws Exception {
        Path model = Golden.copy(Golden.V3, tmp.resolve("legacy"));
        // the data it was trained on (the golden generator's), with an id column
        Path csv = idCsv(tmp.resolve("golden.csv"), Synthetic.blobs(500, 12, 3, 2024, 1000));
        Cli.Run forget = Cli.run("forget", "--model", model, "--id", 1000 + 3 * 200, "--quiet").ok();
        assertThat(forget.err()).contains("keeps unkeyed id hashes").contains("legonet rekey");
        forgetThroughTheService(model, null, 1000 + 3 * 201);

        assertThat(Cli.run("info", "--model", model, "--json").ok().json().get("id_hashes_keyed").asBoolean())
                .isFalse();
        assertThat(Cli.run("info", "--model", model).ok().out()).contains("unkeyed (written before format version 4");
        Attack before = Attack.on(model);
        List<Long> all = List.of(1450L, 1453L, 1600L, 1603L);
        assertThat(before.recover(Attack::unkeyed)).as("an unkeyed log gives every id away")
                .containsExactlyInAnyOrderElementsOf(all);

        // ids missing from the data: refused, nothing written
        Path part = idCsv(tmp.resolve("part.csv"), Synthetic.blobs(500, 12, 3, 2024, 1000).slice(160, 500, "part"));
        Cli.run("rekey", "--model", model, "--data", part, "--id-column", "id", "--public", 100, "--quiet")
                .badInput("2 forgotten id hashes", "nothing was written");
        assertThat(Attack.on(model).recover(Attack::unkeyed)).containsExactlyInAnyOrderElementsOf(all);

        Cli.Run r = Cli.run("rekey", "--model", model, "--data", csv, "--id-column", "id", "--public", 100, "--json",
                "--quiet").ok();
        assertThat(r.json().get("log_hashes").asInt()).isEqualTo(4);
        assertThat(r.json().get("receipt_hashes").asInt()).isEqualTo(1);
        assertThat(r.json().get("id_key_created").asBoolean()).isTrue();
        assertThat(r.json().get("id_key_file").asText()).isEqualTo(IdKeyOptions.defaultFile(model).toString());
        IdKey key = IdKey.read(IdKeyOptions.defaultFile(model));
        Attack after = Attack.on(model);
        assertThat(after.logHashes()).hasSize(4);
        assertThat(after.recover(Attack::unkeyed)).as("after rekey").isEmpty();
        assertThat(after.recover(key::hashId)).containsExactlyInAnyOrderElementsOf(all);
        assertThat(Cli.run("audit", "--model", model).ok().out()).startsWith("AUDIT OK");
        assertThat(Cli.run("verify", "--model", model, "--quiet").ok().out()).startsWith("EXACT");
        Cli.Run again = Cli.run("forget", "--model", model, "--id", 1000 + 3 * 202, "--quiet").ok();
        assertThat(again.err()).doesNotContain("unkeyed");
        assertThat(Cli.run("rekey", "--model", model, "--data", csv, "--id-column", "id", "--quiet").ok().out())
                .contains("keyed already");
    }

    /** Sends one forget to the service on {@code model} (in this process) and waits for its receipt. */
    private static void forgetThroughTheService(Path model, IdKey key, long id) throws Exception {
        try (LegoNetServer server = LegoNetServer.start(ServerConfig.builder().setModel(model).optIdKey(key)
                .setToken(BearerToken.of(TOKEN)).optPort(0).optThreads(1).build())) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/forget"))
                    .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"ids\": [" + id + "]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
            String request = Cli.JSON.readTree(posted.body()).get("request_id").asText();
            for (int i = 0; ; i++) {
                JsonNode s = Cli.JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(server.url()
                        + "/v1/forget/" + request + "?wait_seconds=30")).timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString())
                        .body());
                if (s.get("state").asText().equals("done")) {
                    break;
                }
                assertThat(i).as("request state " + s).isLessThan(4);
            }
        }
    }

    /**
     * The attacker: holds the model directory only, reads the salt from its manifest and the id
     * hashes from its deletion log and receipts, and hashes every id of the id space.
     */
    private record Attack(String salt, Set<String> logHashes, Set<String> receiptHashes) {
        interface Hash {
            String of(String salt, long id);
        }

        static Attack on(Path model) throws IOException {
            JsonNode m = Cli.JSON.readTree(model.resolve("manifest.json").toFile());
            Set<String> log = new HashSet<>();
            for (String line : Files.readAllLines(model.resolve(m.get("deletions").get("file").asText()))) {
                Cli.JSON.readTree(line).get("id_hashes").forEach(h -> log.add(h.asText()));
            }
            Set<String> receipts = new HashSet<>();
            Path r = model.resolve("receipts.jsonl");
            if (Files.exists(r)) {
                for (String line : Files.readAllLines(r)) {
                    JsonNode hashes = Cli.JSON.readTree(line).get("id_hashes");
                    if (hashes != null) {
                        hashes.forEach(h -> receipts.add(h.asText()));
                    }
                }
            }
            return new Attack(m.get("deletions").get("salt").asText(), log, receipts);
        }

        /** The ids of the id space whose hash under {@code hash} is in the log or the receipts. */
        Set<Long> recover(Hash hash) {
            Set<Long> found = new HashSet<>();
            for (long id = 0; id < ID_SPACE; id++) {
                String h = hash.of(salt, id);
                if (logHashes.contains(h) || receiptHashes.contains(h)) {
                    found.add(id);
                }
            }
            return found;
        }

        /** The unkeyed hash LegoNet kept before format version 4: SHA-256 of the salt and the id (8 bytes LE). */
        static String unkeyed(String salt, long id) {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(salt.getBytes(StandardCharsets.US_ASCII));
                md.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(id).array());
                return HexFormat.of().formatHex(md.digest()).substring(0, 32);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** {@code d} as a CSV with an id column. */
    private static Path idCsv(Path file, Dataset d) {
        StringBuilder b = new StringBuilder("id,label");
        for (int f = 0; f < d.dim(); f++) {
            b.append(",f").append(f);
        }
        b.append('\n');
        for (int r = 0; r < d.size(); r++) {
            b.append(d.id(r)).append(',').append(d.label(r));
            for (int f = 0; f < d.dim(); f++) {
                b.append(',').append(String.format(Locale.ROOT, "%.4f", d.feature(r, f)));
            }
            b.append('\n');
        }
        try {
            return Files.writeString(file, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

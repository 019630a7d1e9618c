package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code legonet privacy} and {@code legonet bench --suite privacy} on a small model of the bundled sample. */
class PrivacyCommandTest {
    @TempDir
    static Path shared;
    static Path slice;
    static Path model;
    static final int FORGOTTEN = 20;

    @BeforeAll
    static void trainAndForget() throws IOException {
        slice = Cli.writeSlice(shared.resolve("fmnist"), Cli.TRAIN_ROWS, Cli.TEST_ROWS);
        model = shared.resolve("m");
        Cli.run(Cli.smallTrain(model, slice).args("train")).ok();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < FORGOTTEN; i++) {
            ids.add(String.valueOf(Cli.PUBLIC + 7 + 100 * i));
        }
        Path file = shared.resolve("ids.txt");
        Files.writeString(file, String.join("\n", ids) + "\n");
        Cli.run("forget", "--model", model, "--ids", file, "--quiet").ok();
    }

    @Test
    void auditsTheModelOnItsRecordedDataAndWritesJsonReportAndPlot(@TempDir Path tmp) throws IOException {
        Path json = tmp.resolve("p.json");
        Path md = tmp.resolve("r/p.md");
        Cli.Run r = Cli.run("privacy", "--model", model, "--shadows", 2, "--trials", 3, "--candidates", 5,
                "--covers", "0,2", "--max-per-set", 300, "--threads", 2, "--json", json, "--report", md, "--quiet").ok();
        assertThat(r.err()).as("--quiet").isEmpty();
        assertThat(r.out()).contains("lira   retained vs unseen").contains("forgotten vs unseen")
                .contains("Wrote " + json).contains("Wrote " + md);

        JsonNode j = Cli.JSON.readTree(json.toFile());
        assertThat(j.get("sets").get("forgotten_found").asInt()).isEqualTo(FORGOTTEN);
        assertThat(j.get("sets").get("unseen_scored").asInt()).isEqualTo(300);
        assertThat(j.get("model").get("forgotten").asInt()).isEqualTo(FORGOTTEN);
        assertThat(j.get("attacks")).hasSize(2);
        assertThat(j.get("attacks").get(1).get("pairs")).hasSize(3);
        JsonNode d = j.get("deletion");
        assertThat(d).hasSize(2);
        assertThat(d.get(1).get("cover").asInt()).isEqualTo(2);
        assertThat(d.get(0).get("observers")).hasSize(3);
        // the directory alone: the keyed log resists hashing, the row-number ids' gaps name the forgotten
        JsonNode bf = j.get("exposure").get("brute_force");
        assertThat(bf.get("id_hash").asText()).isEqualTo("hmac-sha256");
        assertThat(bf.get("log_hashes").asInt()).isEqualTo(FORGOTTEN);
        assertThat(bf.get("forgotten_recovered").asInt()).isZero();
        JsonNode gaps = j.get("exposure").get("gaps");
        assertThat(gaps.get("applicable").asBoolean()).isTrue();
        assertThat(gaps.get("from").asInt()).isEqualTo(Cli.PUBLIC);
        assertThat(gaps.get("forgotten_recovered").asInt()).isEqualTo(FORGOTTEN);
        assertThat(gaps.get("false_ids").asInt()).isZero();
        assertThat(r.out()).contains("Without the key").contains("brute force");
        assertThat(Files.readString(md)).contains("# LegoNet privacy audit").contains("What the directory alone");
        assertThat(tmp.resolve("r/p-roc.png")).isRegularFile();
    }

    @Test
    void misuseIsOneLine(@TempDir Path tmp) {
        Cli.run("privacy", "--model", model, "--shadows", 1, "--quiet").badInput("--shadows must be at least 2, got 1");
        Cli.run("privacy", "--model", model, "--covers", "-1", "--trials", 1, "--shadows", 2, "--max-per-set", 50,
                "--quiet").badInput("a cover is at least 0, got -1");
        Cli.run("privacy", "--model", tmp.resolve("none"), "--quiet").badInput("none");
        Cli.run("privacy", "--quiet").badInput("--model");
        assertThat(Cli.list(tmp)).isEmpty();
    }

    @Test
    void theBenchSuiteTrainsForgetsAndAudits(@TempDir Path tmp) throws IOException {
        Path json = tmp.resolve("b.json");
        Path md = tmp.resolve("b.md");
        Cli.Run r = Cli.run("bench", "--suite", "privacy", "--quick", "--setting", "8x2:linear", "--data", slice,
                "--limit", 2000, "--public", 400, "--test-limit", 300, "--encoder", "pca:8", "--epochs", 1,
                "--forget", 15, "--threads", 2, "--json", json, "--report", md, "--quiet").ok();
        assertThat(r.out()).contains("retained vs unseen").contains("Wrote " + md);
        JsonNode j = Cli.JSON.readTree(json.toFile());
        assertThat(j.get("sets").get("forgotten_found").asInt()).isEqualTo(15);
        assertThat(j.get("shadows").asInt()).isEqualTo(4);
        assertThat(j.get("deletion")).extracting(x -> x.get("cover").asInt()).containsExactly(0, 2, 6);
        assertThat(tmp.resolve("b-roc.png")).isRegularFile();
    }
}

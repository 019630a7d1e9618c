package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code info} and {@code eval} on a model whose retained samples were all forgotten. */
class EmptyAdaptersCommandTest {
    static final int ADAPTERS = 6;

    @TempDir
    static Path shared;
    static Path csv;
    static Path model;

    @BeforeAll
    static void trainAndForgetEverything() {
        csv = GeneratedCsv.blobs(shared.resolve("blobs.csv"), 600, 6, 3, 5);
        model = shared.resolve("m");
        Cli.run("train", "--model", model, "--data", csv, "--public", 100, "--encoder", "pca:4", "-n", ADAPTERS,
                "-k", 2, "--adapter", "mlp:8", "--epochs", 1, "--threads", 2, "--quiet").ok();
        JsonNode before = Cli.run("info", "--model", model, "--json").ok().json();
        assertThat(before.get("empty_adapters").asInt()).isZero();
        for (int c = 0; c < 3; c++) {
            Cli.run("forget", "--model", model, "--class", c, "--quiet").ok();
        }
    }

    @Test
    void infoSaysTheModelHasNoRetainedSamples() {
        assertThat(Cli.run("info", "--model", model, "--json").ok().json().get("empty_adapters").asInt())
                .isEqualTo(ADAPTERS);
        Cli.Run r = Cli.run("info", "--model", model).ok();
        assertThat(r.out()).contains("all " + ADAPTERS + ": the model has no retained samples and answers every "
                + "query with the uniform distribution over its 3 classes");
    }

    @Test
    void evalSaysSoToo() {
        JsonNode j = Cli.run("eval", "--model", model, "--json", "--quiet").ok().json();
        assertThat(j.get("empty_adapters").asInt()).isEqualTo(ADAPTERS);
        assertThat(j.get("notes").toString()).contains("the model has no retained samples");
        assertThat(j.get("retained").get("samples").asInt()).isZero();
        Cli.Run r = Cli.run("eval", "--model", model, "--quiet").ok();
        assertThat(r.outLines()).anyMatch(l -> l.startsWith("note: empty adapters: all " + ADAPTERS
                + ": the model has no retained samples"));
    }
}

package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * {@code train} on narrow data (64 features, 1,250 private samples): the default encoder is capped
 * to the data with a note, an encoder the user named is used as given or refused, and a setting
 * that leaves adapters few samples is warned about, never changed.
 */
@Execution(ExecutionMode.CONCURRENT)
class TrainDefaultsTest {
    /** 1,500 rows: the default public split is one sixth, 250; 1,250 private (about the 1,248). */
    static final int ROWS = 1500;
    static final int PRIVATE = 1250;

    @TempDir
    static Path shared;
    static Path csv;

    @BeforeAll
    static void data() {
        csv = GeneratedCsv.blobs(shared.resolve("narrow.csv"), ROWS, 64, 10, 3);
    }

    @Test
    void theDefaultsTrainOnA64FeatureCsvAndSayTheyCappedPca(@TempDir Path tmp) {
        Cli.Run r = Cli.run("train", "--model", tmp.resolve("m"), "--data", csv, "--threads", 2, "--quiet").ok();
        assertThat(r.errLines()).hasSize(2);
        assertThat(r.errLines().get(0)).isEqualTo(
                "note: encoder pca:64: the default pca:96 capped to 64 components, since the data has 64 features");
        assertThat(r.out()).contains("pca:64, n=100, k=4");
        JsonNode info = Cli.run("info", "--model", tmp.resolve("m"), "--json").ok().json();
        assertThat(info.get("config").get("encoder").asText()).isEqualTo("pca:64");
        assertThat(info.get("config").get("adapters").asInt()).as("the default n is kept").isEqualTo(100);
    }

    @Test
    void aSmallPrivateSplitIsWarnedAboutWithTheSamplesPerAdapterAndASuggestedN(@TempDir Path tmp) {
        Cli.Run r = Cli.run("train", "--model", tmp.resolve("m"), "--data", csv, "--encoder", "pca:16",
                "--epochs", 1, "--threads", 2, "--quiet", "--json").ok();
        // 4 * 1,250 / 100 = 50 samples per adapter; 4 * 1,250 / 500 = 10 adapters give 500 each
        assertThat(r.errLines()).containsExactly("warning: 1,250 private samples over 100 adapters (k=4) give about "
                + "50 samples per adapter (k*N/n); adapters this small learn little. 10 adapters would give about "
                + "500 each (at least 500 is the aim), at a higher cost per removal (suggested: -n 10)");
        JsonNode j = r.json();
        assertThat(j.get("config").get("adapters").asInt()).as("an explicit or default n is obeyed").isEqualTo(100);
        assertThat(j.get("config").get("encoder").asText()).isEqualTo("pca:16");
        assertThat(j.get("notices")).hasSize(1);
        assertThat(j.get("notices").get(0).get("kind").asText()).isEqualTo("few_samples_per_adapter");
    }

    @Test
    void noWarningWhenEachAdapterGetsEnough(@TempDir Path tmp) {
        // 2 * 1,250 / 4 = 625 samples per adapter
        Cli.Run r = Cli.run("train", "--model", tmp.resolve("m"), "--data", csv, "--encoder", "pca:16",
                "-n", 4, "-k", 2, "--epochs", 1, "--threads", 2, "--quiet", "--json").ok();
        assertThat(r.err()).isEmpty();
        assertThat(r.json().get("notices")).isEmpty();
    }

    @Test
    void anExplicitPcaLargerThanTheFeatureCountIsOneLineOfBadInput(@TempDir Path tmp) {
        Path target = tmp.resolve("m");
        Cli.Run r = Cli.run("train", "--model", target, "--data", csv, "--encoder", "pca:96", "--threads", 2,
                "--quiet").badInput("pca:96", "96 components", "64 features");
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.out()).isEmpty();
        assertThat(Cli.list(tmp)).isEmpty();
    }

    @Test
    void theDefaultIsAlsoCappedByASmallPublicSplit(@TempDir Path tmp) {
        Cli.Run r = Cli.run("train", "--model", tmp.resolve("m"), "--data", csv, "--public", 40, "-n", 4, "-k", 2,
                "--epochs", 1, "--threads", 2, "--quiet").ok();
        assertThat(r.errLines()).containsExactly("note: encoder pca:39: the default pca:96 capped to 39 components, "
                + "since the public split has 40 samples, so at most 39 components with variance");
    }
}

package org.legonet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelConfig;
import org.legonet.core.Progress;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.testing.Synthetic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scaling study in process on small images: n grows with the data, every forget verified, the report drawn. */
class ScaleSuiteTest {
    @TempDir
    Path tmp;

    @Test
    void nGrowsWithTheDataAndEveryForgetIsExact() throws Exception {
        Dataset blobs = Synthetic.blobs(900, 16, 3, 5, 1000);
        Dataset all = new Dataset("blob images", blobs.ids(), blobs.labels(), features(blobs), new int[] {4, 4});
        Dataset pub = all.slice(0, 200, "public");
        Dataset priv = all.slice(200, 800, "private");
        Dataset test = all.slice(800, 900, "test");
        ModelConfig base = SmallModels.config(4).withShape(4, 2);
        ScaleSuite.Options options = new ScaleSuite.Options(List.of(1, 2), 0, "local[2]", 2, 3, 1, 9, 2, base, tmp, false);
        StringWriter log = new StringWriter();
        ScaleResults.Run run = new ScaleSuite(options, Progress.NONE, new PrintWriter(log, true))
                .run(pub, priv, test, "blobs");

        assertThat(run.scales()).hasSize(2);
        ScaleResults.Scale x1 = run.scales().get(0);
        ScaleResults.Scale x2 = run.scales().get(1);
        assertThat(x1.privateSamples()).isEqualTo(600);
        assertThat(x2.privateSamples()).isEqualTo(1200);
        assertThat(x1.n()).isEqualTo(4);
        assertThat(x2.n()).isEqualTo(8);
        assertThat(x2.publicSamples()).isEqualTo(200); // the public split keeps its size
        for (ScaleResults.Scale s : run.scales()) {
            assertThat(s.inProcess().single().verifiedExact()).isEqualTo(3);
            assertThat(s.inProcess().random100().verify()).isEqualTo("EXACT");
            assertThat(s.inProcess().unclass().verify()).isEqualTo("EXACT");
            assertThat(s.inProcess().storeBytes()).isPositive();
            assertThat(s.inProcess().modelDigest()).hasSize(64);
            assertThat(s.spark()).isNull();
        }
        // twice the data, twice the adapters: about the same samples per removal (k^2 N / n)
        assertThat(x2.inProcess().idealSamplesPerRemoval()).isEqualTo(x1.inProcess().idealSamplesPerRemoval());
        assertThat(x2.inProcess().storeBytes()).isGreaterThan(x1.inProcess().storeBytes());

        ScaleResults.CostModel model = run.costModel();
        assertThat(model).isNotNull();
        assertThat(model.rows()).hasSize(CostModel.FACTORS.length * CostModel.EXECUTORS.length);
        ScaleResults.CostRow first = model.rows().get(0);
        assertThat(first.n()).isEqualTo(400);
        assertThat(first.samplesPerRemoval()).isEqualTo(2.0 * 2 * 600 * 100 / 400);
        // more executors never make a retrain-all slower
        assertThat(model.rows().get(1).retrainAllSeconds()).isLessThanOrEqualTo(first.retrainAllSeconds());

        Path md = tmp.resolve("out/scale.md");
        Path plot = ScaleReport.writeMarkdown(run, md);
        ScaleReport.writeJson(run, tmp.resolve("out/scale.json"));
        assertThat(Files.readAllBytes(plot)).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(Files.readString(md)).contains("| x2 | 1,200 | 200 | 8 x 2 |").contains("Single p50 at x2 is x")
                .contains("## Cost model").contains(plot.getFileName().toString());
        assertThat(Files.readString(tmp.resolve("out/scale.json"))).contains("\"model_digest\"");
    }

    @Test
    void refusesFactorsThatDoNotAscend() {
        ModelConfig base = SmallModels.config(4);
        assertThatThrownBy(() -> new ScaleSuite.Options(List.of(10, 1), 0, "local[2]", 2, 3, 1, 9, 2, base, tmp, false))
                .isInstanceOf(LegoNetException.class).hasMessageContaining("ascend");
        assertThatThrownBy(() -> new ScaleSuite.Options(List.of(1, 60), 0, "local[2]", 2, 3, 1, 9, 2, base, tmp, false))
                .isInstanceOf(LegoNetException.class);
    }

    private static float[] features(Dataset d) {
        float[] x = new float[d.size() * d.dim()];
        for (int r = 0; r < d.size(); r++) {
            d.copyRow(r, x, r * d.dim());
        }
        return x;
    }
}

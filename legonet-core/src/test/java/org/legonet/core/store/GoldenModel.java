package org.legonet.core.store;

import org.legonet.core.KeyMethod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.data.Dataset;
import org.legonet.core.Aggregate;
import org.legonet.core.ModelConfig;
import org.legonet.core.model.Trained;
import org.legonet.core.Distance;
import org.legonet.core.routing.KeyBuilder;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.Progress;

/**
 * Makes the golden model directory of the current format that {@link GoldenModelTest} opens:
 * {@value #DIR_V3} under the test resources, a tiny model of format version {@value #VERSION_V3}
 * with a committed forget and a committed insertion, plus {@value #EXPECTED_V3} beside it (the
 * digest that the test's next change, {@link #TO_FORGET} forgotten and {@link #toAdd()} added,
 * must reach). The version-2 directory {@value #DIR} (one committed forget, made by the generator
 * of that version) is kept beside it, with its expectations {@value #EXPECTED}.
 *
 * <p>Run it only when a new format version needs a new golden directory (keep the old one, and
 * its test, for as long as the version is read), from the repository root:
 * <pre>
 * mvn -q -pl legonet-core -am test-compile
 * java --add-modules jdk.incubator.vector -cp "legonet-core/target/test-classes:legonet-core/target/classes:$(cat cp.txt)" \
 *     org.legonet.core.store.GoldenModel legonet-core/src/test/resources
 * </pre>
 * where {@code cp.txt} comes from {@code mvn -q -pl legonet-core dependency:build-classpath
 * -Dmdep.outputFile=cp.txt}. It refuses to overwrite an existing golden directory.
 */
public final class GoldenModel {
    /** The format version the version-2 golden directory holds. */
    static final int VERSION = 2;
    /** Resource path of the version-2 golden model directory. */
    static final String DIR = "golden/model-v2";
    /** Resource path of what the test expects of it. */
    static final String EXPECTED = "golden/model-v2.expected.json";
    /** The format version the version-3 golden directory holds. */
    static final int VERSION_V3 = 3;
    /** Resource path of the version-3 golden model directory. */
    static final String DIR_V3 = "golden/model-v3";
    /** Resource path of what the test expects of it. */
    static final String EXPECTED_V3 = "golden/model-v3.expected.json";
    /** Ids the generator forgets (committed in both golden directories). */
    static final long[] FORGOTTEN = {1000 + 3 * 150, 1000 + 3 * 151};
    /** Ids the test forgets from the golden directories. */
    static final long[] TO_FORGET = {1000 + 3 * 200, 1000 + 3 * 333, 1000 + 3 * 499};

    private GoldenModel() {
    }

    /** pca:8 encoder, 5 adapters, k = 2, mlp:16 adapters, 2 epochs, seed 2024. */
    static ModelConfig config() {
        return ModelConfig.defaults().withEncoder("pca:8").withShape(5, 2).withAdapter(AdapterSpec.parse("mlp:16"))
                .withRouting(KeyMethod.KMEANS, Distance.L2, true, Aggregate.MEAN)
                .withTraining(Optimizer.ADAM, 2, 16, 0.01f, true, 0.9f, 1e-4f)
                .withSeed(2024);
    }

    /** 500 blobs of dimension 12 in 3 classes (ids 1000, 1003, ...): 100 public, 400 private. */
    static Dataset[] data() {
        Dataset all = Synthetic.blobs(500, 12, 3, 2024, 1000);
        return new Dataset[] {all.slice(0, 100, "public"), all.slice(100, 500, "private")};
    }

    /** The samples the generator adds to the version-3 directory (after its forget): 8 new ids. */
    static Dataset added() {
        return Synthetic.blobs(8, 12, 3, 77, 100_000);
    }

    /** The samples the test adds to the version-3 directory, in the change that forgets {@link #TO_FORGET}. */
    static Dataset toAdd() {
        return Synthetic.blobs(5, 12, 3, 78, 200_001);
    }

    public static void main(String[] args) throws IOException {
        Path resources = Path.of(args.length > 0 ? args[0] : "legonet-core/src/test/resources");
        Path dir = resources.resolve(DIR_V3);
        if (Files.exists(dir)) {
            throw new IllegalStateException(dir + " exists; a golden directory is never remade in place");
        }
        Dataset[] split = data();
        Trained t = SmallModels.train(config(), split);
        ModelStore.create(dir, t, new Manifest.DatasetInfo("golden model: synthetic blobs", null, "golden",
                500, 100, 400, 12, new int[] {12}), SmallModels.ID_KEY, false, Progress.NONE);
        String after;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            new Unlearner(s, 1, Progress.NONE).forget(ForgetRequest.ofIds(FORGOTTEN));
            new Unlearner(s, 1, Progress.NONE).update(Edit.add(added()));
            after = new Unlearner(s, 1, Progress.NONE).update(new Edit(toAdd(), ForgetRequest.ofIds(TO_FORGET), false))
                    .digestAfter();
        }
        // the third change only measured the digest; make the directory again with the first two alone
        deleteTree(dir);
        ModelStore.create(dir, t, new Manifest.DatasetInfo("golden model: synthetic blobs", null, "golden",
                500, 100, 400, 12, new int[] {12}), SmallModels.ID_KEY, false, Progress.NONE);
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            new Unlearner(s, 1, Progress.NONE).forget(ForgetRequest.ofIds(FORGOTTEN));
            new Unlearner(s, 1, Progress.NONE).update(Edit.add(added()));
        }
        Files.deleteIfExists(dir.resolve(".lock"));
        Files.writeString(resources.resolve(EXPECTED_V3), "{\"format_version\": " + VERSION_V3
                + ", \"digest_after_change\": \"" + after + "\"}\n", StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path dir) throws IOException {
        AtomicFiles.deleteTree(dir);
    }
}

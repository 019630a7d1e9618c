package org.legonet.core.testing;

import org.legonet.core.IdKey;
import org.legonet.core.KeyMethod;

import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.data.Dataset;
import org.legonet.core.Aggregate;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.ModelConfig;
import org.legonet.core.model.Trained;
import org.legonet.core.Distance;
import org.legonet.core.routing.KeyBuilder;
import org.legonet.core.store.Manifest;
import org.legonet.core.Progress;

/** Small, fast LegoNet configurations and splits for store and unlearning tests. */
public final class SmallModels {
    private SmallModels() {
    }

    /** The id key of the test models a test writes with the store directly (fixed, so a test may reopen them). */
    public static final IdKey ID_KEY = IdKey.parse("0123456789abcdef".repeat(4));

    /** pca:4 encoder, 5 adapters of which each sample activates 2, mlp:6 adapters, 2 epochs. */
    public static ModelConfig config(long seed) {
        return ModelConfig.defaults().withEncoder("pca:4").withShape(5, 2).withAdapter(AdapterSpec.parse("mlp:6"))
                .withRouting(KeyMethod.KMEANS, Distance.L2, true, Aggregate.MEAN)
                .withTraining(Optimizer.ADAM, 2, 8, 0.01f, true, 0.9f, 1e-4f)
                .withSeed(seed);
    }

    /** Blobs of dimension 6 in 3 classes: the first {@code publicRows} rows public, the rest private. */
    public static Dataset[] blobs(int rows, int publicRows, long seed) {
        Dataset all = Synthetic.blobs(rows, 6, 3, seed, 1000);
        return new Dataset[] {all.slice(0, publicRows, "public"), all.slice(publicRows, rows, "private")};
    }

    public static Trained train(ModelConfig config, Dataset[] split) {
        return new LegoNetTrainer(config, 2, Progress.NONE).train(split[0], split[1]);
    }

    public static Manifest.DatasetInfo info(Dataset[] split) {
        return new Manifest.DatasetInfo("synthetic blobs", null, "test", split[0].size() + split[1].size(),
                split[0].size(), split[1].size(), split[0].dim(), split[0].sampleShape());
    }
}

package org.legonet.cli;

import org.legonet.core.KeyMethod;

import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.Aggregate;
import org.legonet.core.ModelConfig;
import org.legonet.core.Distance;
import org.legonet.dl.cnn.CnnSpec;
import picocli.CommandLine.Option;

/**
 * The model's settings. Every default comes from {@link ModelConfig#defaults()}, the one place
 * that defines them for the CLI, the server and the benchmark.
 */
public final class ModelOptions {
    private static final ModelConfig D = ModelConfig.defaults();

    @Option(names = "--encoder", paramLabel = "SPEC", description = "Fixed encoder, fitted on the public split only: "
            + "pca:D (whitened PCA), pca:D:plain, identity (bring your own embeddings), "
            + CnnSpec.USAGE + " (a small CNN trained on the public images, then frozen), "
            + "onnx:PATH[:options] or torchscript:PATH[:options] (your pretrained network; see docs/encoders.md). "
            + "Default: " + ModelConfig.DEFAULT_ENCODER + ", capped to the data's feature count (and to the public "
            + "samples less one); a D you name is used as given.")
    String encoder;

    @Option(names = {"--adapters", "-n"}, paramLabel = "N", description = "Number of adapters n. Default: ${DEFAULT-VALUE}.")
    int adapters = D.adapters();

    @Option(names = {"--activate", "-k"}, paramLabel = "K",
            description = "Adapters each sample activates (trains and is predicted by). Default: ${DEFAULT-VALUE}.")
    int activate = D.activate();

    @Option(names = "--adapter", paramLabel = "ARCH", description = "Adapter architecture: linear or mlp:H "
            + "(one hidden ReLU layer of H units; mlp:H1,H2 for two). Default: ${DEFAULT-VALUE}.")
    String adapter = D.adapter().toString();

    @Option(names = "--keys", paramLabel = "METHOD", description = "Key placement on public encodings: kmeans or "
            + "public-sample (the paper's rule, on public data). Default: ${DEFAULT-VALUE}.")
    String keys = D.keys().label();

    @Option(names = "--distance", paramLabel = "D", description = "Routing distance: l2 or cosine. Default: ${DEFAULT-VALUE}.")
    String distance = D.distance().label();

    @Option(names = "--no-balance", negatable = true, description = "Calibrate per-key offsets on the public split so "
            + "adapters get equal shares (on by default; --no-balance for the paper's plain nearest keys).")
    boolean balance = D.balance();

    @Option(names = "--aggregate", paramLabel = "RULE", description = "How the k adapters' probabilities combine: "
            + "mean (the paper) or weighted (by similarity). Default: ${DEFAULT-VALUE}.")
    String aggregate = D.aggregate().label();

    @Option(names = "--optimizer", paramLabel = "OPT", description = "adam or sgd (with momentum). Default: ${DEFAULT-VALUE}.")
    String optimizer = D.optimizer().label();

    @Option(names = "--epochs", paramLabel = "E", description = "Epochs per adapter. Default: ${DEFAULT-VALUE}.")
    int epochs = D.epochs();

    @Option(names = "--batch", paramLabel = "B", description = "Mini-batch size. Default: ${DEFAULT-VALUE}.")
    int batch = D.batchSize();

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default: "
            + ModelConfig.DEFAULT_LR_ADAM + " for adam, " + ModelConfig.DEFAULT_LR_SGD + " for sgd).")
    Float learningRate;

    @Option(names = "--lr-schedule", paramLabel = "S", description = "cosine (decay to zero) or constant. Default: ${DEFAULT-VALUE}.")
    String schedule = D.cosine() ? "cosine" : "constant";

    @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum. Default: ${DEFAULT-VALUE}.")
    float momentum = D.momentum();

    @Option(names = "--weight-decay", paramLabel = "W", description = "Weight decay. Default: ${DEFAULT-VALUE}.")
    float weightDecay = D.weightDecay();

    @Option(names = "--seed", paramLabel = "S", description = "Model seed; every adapter's seed derives from it and "
            + "the adapter index. Default: ${DEFAULT-VALUE}.")
    long seed = D.seed();

    @Option(names = "--classes", paramLabel = "C", description = "Size of the label set (default: from the public split).")
    int classes = D.classes();

    @Option(names = "--cover", paramLabel = "C", description = "Route-hiding cover: every forget or add also retrains, "
            + "from scratch, C adapters it does not touch (chosen by a keyed pseudo-random function of the request), "
            + "so logs, receipts and metrics show k + C retrained adapters, not the ones that held the sample. Costs "
            + "C extra adapter trainings per change and never changes a bit of the model (default: 0, off; "
            + "docs/privacy.md).")
    int cover = D.cover();

    /** Whether the user named an encoder; if not, {@link #config()} holds the default, to be fitted to the data. */
    boolean encoderGiven() {
        return encoder != null;
    }

    /** The configuration these options describe (validated), with the default encoder when none was named. */
    ModelConfig config() {
        Optimizer opt = Optimizer.parse(optimizer);
        float lr = learningRate != null ? learningRate
                : opt == Optimizer.ADAM ? ModelConfig.DEFAULT_LR_ADAM : ModelConfig.DEFAULT_LR_SGD;
        boolean cosine;
        switch (schedule.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "cosine":
                cosine = true;
                break;
            case "constant":
                cosine = false;
                break;
            default:
                throw new org.legonet.core.LegoNetException("--lr-schedule '" + schedule + "' is not one of cosine, constant");
        }
        return new ModelConfig(encoder != null ? encoder : D.encoder(), adapters, activate, AdapterSpec.parse(adapter),
                KeyMethod.parse(keys), Distance.parse(distance), balance, Aggregate.parse(aggregate), opt, epochs,
                batch, lr, cosine, momentum, weightDecay, seed, classes, cover);
    }
}

package org.legonet.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.Accuracy;
import org.legonet.core.DataFit;
import org.legonet.core.model.Evaluation;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.ModelConfig;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.model.Trained;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Train a model from scratch into a model directory.",
        name = "train", sortOptions = false,
        description = "Train a model from scratch and write it to a model directory. Fits the encoder and the keys on the public split only, encodes and routes the private split once, and trains every adapter on the samples that activate it. Nothing is written until training succeeded; the directory appears atomically.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = {"--model", "-m"}, paramLabel = "DIR", required = true, description = "Model directory to create.")
    Path model;

    @Option(names = "--force", description = "Replace an existing model directory.")
    boolean force;

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    ModelOptions options = new ModelOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ModelConfig config = options.config();
        ModelStore.checkTarget(model, force);
        Result r = trainAndSave(model, force, data, config, !options.encoderGiven(), common,
                spec.commandLine().getErr());
        if (common.json) {
            Out.json(spec.commandLine().getOut(), r.toJson());
        } else {
            r.print(spec.commandLine().getOut());
        }
        return 0;
    }

    /** What training produced, for printing (its encoder is closed). */
    record Result(Path model, Trained trained, Accuracy test, DataOptions.Prepared data, List<DataFit.Notice> notices) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            PrivateSet d = trained.data();
            m.put("model", model.toAbsolutePath().normalize().toString());
            m.put("data", data.description());
            m.put("model_digest", trained.model().digest());
            m.put("config", trained.model().config().toMap());
            m.put("public_samples", data.publicSplit().size());
            m.put("private_samples", d.retained());
            m.put("test_accuracy", test == null ? null : Out.round(test.accuracy()));
            m.put("adapter_sizes", d.sizes());
            m.put("expected_samples_retrained_per_removal", Out.round(d.expectedRemovalCost()));
            m.put("ideal_samples_retrained_per_removal", Out.round(d.idealRemovalCost()));
            m.put("train_seconds", Out.round(trained.stats().totalSeconds()));
            m.put("adapter_seconds", Out.round(trained.stats().adapterSeconds()));
            m.put("adapter_gflops", Out.round(trained.stats().adapterGflops()));
            List<Map<String, String>> n = new ArrayList<>();
            for (DataFit.Notice notice : notices) {
                n.add(Map.of("kind", notice.kind().label(), "message", notice.message()));
            }
            m.put("notices", n);
            return m;
        }

        void print(java.io.PrintWriter out) {
            PrivateSet d = trained.data();
            PrivateSet.Sizes s = d.sizes();
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("model", model.toString());
            rows.put("data", data.description());
            rows.put("split", String.format(Locale.ROOT, "%,d public / %,d private%s", data.publicSplit().size(),
                    d.retained(), data.test() == null ? "" : String.format(Locale.ROOT, " / %,d test", data.test().size())));
            ModelConfig c = trained.model().config();
            rows.put("setting", c.encoder() + ", n=" + c.adapters() + ", k=" + c.activate() + ", " + c.adapter()
                    + ", " + c.epochs() + " epochs");
            if (test != null) {
                rows.put("test accuracy", Out.pct(test.accuracy()));
            }
            rows.put("adapter sizes", "min " + s.min() + " / mean " + s.mean() + " / max " + s.max());
            rows.put("cost per removal", String.format(Locale.ROOT, "%,.0f samples retrained (balanced ideal k^2 N/n = %,.0f)",
                    d.expectedRemovalCost(), d.idealRemovalCost()));
            rows.put("training", String.format(Locale.ROOT, "%s (adapters %s at %.1f GFLOP/s on %d threads)",
                    Out.secs(trained.stats().totalSeconds()), Out.secs(trained.stats().adapterSeconds()),
                    trained.stats().adapterGflops(), trained.stats().threads()));
            rows.put("digest", trained.model().digest());
            Out.table(out, "Trained.", rows);
        }
    }

    /**
     * Loads the data, trains, writes the model directory, evaluates on the test split. With
     * {@code defaultEncoder} (no encoder named by the user) the default encoder is first fitted to
     * the data's shape ({@link DataFit#defaultEncoder}); an encoder the user named is used as given.
     * Notices about the setting and the data go to {@code err} (one line each) once the encoder is
     * fitted, before the adapters train.
     */
    static Result trainAndSave(Path model, boolean force, DataOptions data, ModelConfig config, boolean defaultEncoder,
                               CommonOptions common, java.io.PrintWriter err) {
        CliProgress progress = common.progress();
        DataOptions.Prepared p = data.prepare(progress);
        List<DataFit.Notice> notices = new ArrayList<>();
        ModelConfig fitted = config;
        if (defaultEncoder) {
            DataFit.EncoderChoice choice = DataFit.defaultEncoder(p.publicSplit().dim(), p.publicSplit().size());
            fitted = config.withEncoder(choice.encoder());
            choice.notice().ifPresent(notices::add);
        }
        DataFit.adapterShare(fitted, p.privateSplit().size()).ifPresent(notices::add);
        LegoNetTrainer trainer = new LegoNetTrainer(fitted, common.threads, progress);
        // fit the encoder first: a setting the data cannot take fails with its one-line error alone
        LegoNetTrainer.Encoded encoded = trainer.encode(p.publicSplit(), p.privateSplit());
        Trained trained;
        try {
            for (DataFit.Notice n : notices) {
                err.println(line(n, fitted, p.privateSplit().size()));
            }
            err.flush();
            trained = trainer.train(encoded);
        } catch (RuntimeException | Error e) {
            encoded.close(); // this command owns the encoder it fitted
            throw e;
        }
        Manifest.DatasetInfo info = new Manifest.DatasetInfo(p.description(), p.source().toString(),
                p.privateSplit().fingerprint(), p.trainRows(), p.publicSplit().size(), p.privateSplit().size(),
                p.privateSplit().dim(), p.privateSplit().sampleShape(), p.spec());
        Accuracy test;
        try (trained) { // this command owns the encoder it fitted: closed once stored and evaluated
            ModelStore.create(model, trained, info, force, progress);
            test = p.test() == null ? null : Evaluation.ofRaw(trained.model(), p.test(), common.threads, progress);
        }
        return new Result(model, trained, test, p, List.copyOf(notices));
    }

    /** One line for the user: a capped default is a note, a setting that may not fit the data a warning. */
    private static String line(DataFit.Notice n, ModelConfig config, int privateSamples) {
        if (n.kind() == DataFit.Notice.Kind.FEW_SAMPLES_PER_ADAPTER) {
            return "warning: " + n.message() + " (suggested: -n " + DataFit.suggestedAdapters(config, privateSamples) + ")";
        }
        return "note: " + n.message();
    }
}

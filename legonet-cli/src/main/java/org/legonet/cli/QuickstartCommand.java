package org.legonet.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.Accuracy;
import org.legonet.core.ModelConfig;
import org.legonet.core.LegoNet;
import org.legonet.core.UpdateReport;
import org.legonet.core.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Train, forget 100 samples and verify on Fashion-MNIST: the whole story in a minute or two.",
        name = "quickstart", sortOptions = false,
        description = "The whole story in one command: train on Fashion-MNIST with the defaults, evaluate, forget 100 random private samples, verify the result is exactly the model trained without them, and print a short table. Takes a minute or two; the model stays in ./quickstart-model for you to explore. "
                + "When Fashion-MNIST is neither on disk nor downloadable (no network), it runs on the 4,000-image sample "
                + "bundled with LegoNet and says so.")
final class QuickstartCommand implements Callable<Integer> {
    /** Seed of the choice of samples to forget. */
    private static final long PICK_SEED = 0x51;

    @Option(names = {"--model", "-m"}, paramLabel = "DIR", description = "Model directory (replaced if it holds a model). "
            + "Default: ${DEFAULT-VALUE}.")
    Path model = Path.of("quickstart-model");

    @Option(names = "--forget", paramLabel = "N", description = "Random private samples to forget. Default: ${DEFAULT-VALUE}.")
    int forget = 100;

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    IdKeyOptions idKey = new IdKeyOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        java.io.PrintWriter out = spec.commandLine().getOut();
        ModelConfig config = ModelConfig.defaults();
        LegoNet.checkTarget(model, true);
        if (forget < 1) {
            throw new org.legonet.core.LegoNetException("--forget must be at least 1, got " + forget);
        }
        if (!common.json) {
            out.println("1/4 train " + config.encoder() + " + " + config.adapters() + " " + config.adapter()
                    + " adapters (k=" + config.activate() + ") ...");
            out.flush();
        }
        data.sampleWhenOffline = true;
        IdKeyOptions.NewKey key = idKey.forNewModel(model, System.getenv(), spec.commandLine().getErr());
        DataOptions.Prepared prepared = data.prepare(common.progress());
        TrainCommand.Result trained = TrainCommand.trainAndSave(model, true, prepared, config, true, common,
                spec.commandLine().getErr(), key);
        CliProgress progress = common.progress();
        UpdateReport report;
        VerifyReport verify;
        Accuracy testAfter;
        Accuracy forgottenAcc;
        try (LegoNet opened = LegoNet.openForUpdate(model, new LegoNet.Options(common.threads, progress, key.key()))) {
            if (!common.json) {
                out.println("2/4 forget " + forget + " random private samples ...");
                out.flush();
            }
            long[] ids = pick(opened, forget);
            int[] rows = Arrays.stream(ids).mapToInt(id -> prepared.privateSplit().rowOf(id)).toArray();
            LegoNet net = opened.forget(ids).commit();
            report = net.lastUpdate();
            if (!common.json) {
                out.println("3/4 verify: rebuild every adapter from the retained raw samples and compare ...");
                out.flush();
            }
            verify = net.verify();
            if (!common.json) {
                out.println("4/4 evaluate ...");
                out.flush();
            }
            testAfter = prepared.test() == null ? null : net.evaluate(prepared.test());
            forgottenAcc = net.evaluate(prepared.privateSplit().select(rows, "forgotten"));
        }
        Map<String, Object> j = new LinkedHashMap<>(trained.toJson());
        j.put("test_accuracy_after", testAfter == null ? null : Out.round(testAfter.accuracy()));
        j.put("forgotten_accuracy_after", Out.round(forgottenAcc.accuracy()));
        j.put("forget", ForgetCommand.toJson(report));
        j.put("verify", verify.exact() ? "EXACT" : "NOT EXACT");
        if (common.json) {
            Out.json(out, j);
        } else {
            out.println();
            trained.print(out);
            out.println();
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("forgotten", report.forgotten() + " random private samples");
            rows.put("adapters retrained", report.adaptersRetrained().size() + " of " + config.adapters()
                    + (report.cover() > 0 ? " (" + report.cover() + " of them route-hiding cover)" : ""));
            rows.put("samples retrained", String.format(Locale.ROOT, "%,d", report.samplesRetrained()));
            rows.put("seconds", String.format(Locale.ROOT, "%.3f (retraining %.3f, atomic store update %.3f)",
                    report.seconds(), report.trainSeconds(), report.storeSeconds()));
            if (testAfter != null) {
                rows.put("test accuracy", Out.pct(trained.test().accuracy()) + " before, " + Out.pct(testAfter.accuracy())
                        + " after");
            }
            rows.put("forgotten samples", "accuracy " + Out.pct(forgottenAcc.accuracy())
                    + " (read from your data: the model no longer holds them)");
            rows.put("verify", (verify.exact() ? "EXACT" : "NOT EXACT") + String.format(Locale.ROOT,
                    " (every adapter rebuilt from scratch in %.1f s: bit-identical)", verify.seconds()));
            rows.put("digest", report.digestBefore().substring(0, 16) + " -> " + report.digestAfter().substring(0, 16));
            Out.table(out, "Forgot.", rows);
            out.println();
            out.println("Next: ./legonet forget --model " + model + " --id <ID>   (ids are training-file rows "
                    + prepared.publicSplit().size() + "..)");
            out.println("      ./legonet verify --model " + model + "   |   ./legonet eval --model " + model
                    + "   |   ./legonet bench --quick");
            out.flush();
        }
        return verify.exact() ? 0 : LegoNetCli.NOT_EXACT;
    }

    /** {@code n} distinct retained ids, chosen by a seeded shuffle (the same ones on every run), ascending. */
    private static long[] pick(LegoNet net, int n) {
        long[] held = net.retainedIds();
        if (n < 1 || n > held.length) {
            throw new org.legonet.core.LegoNetException("--forget must be between 1 and " + held.length + ", got " + n);
        }
        List<Long> ids = new ArrayList<>(held.length);
        for (long id : held) {
            ids.add(id);
        }
        Collections.shuffle(ids, new Random(PICK_SEED));
        return ids.subList(0, n).stream().mapToLong(Long::longValue).sorted().toArray();
    }
}

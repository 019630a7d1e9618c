package org.legonet.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.Accuracy;
import org.legonet.core.LegoNet;
import org.legonet.core.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Accuracy on the test, retained and forgotten samples, overall and per class.",
        name = "eval", sortOptions = false,
        description = {"Accuracy of a model, overall and per class, on three sets:",
                "  test       the test split of the data the model was trained on (or --test);",
                "  retained   the private samples the model still holds;",
                "  forgotten  the samples forgotten so far, read back from your data (the model no longer has them).",
                "The data is read from where 'train' read it; the options below override that."})
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

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
        CliProgress progress = common.progress();
        Map<String, Object> json = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Accuracy test = null;
        Accuracy forgotten = null;
        Accuracy retained;
        String digest;
        int empty;
        java.io.PrintWriter err = spec.commandLine().getErr();
        try (LegoNet net = LegoNet.open(dir.model, new LegoNet.Options(common.threads, progress,
                idKey.find(dir.model, System.getenv(), err)))) {
            IdKeyOptions.warnIfUnkeyed(net, dir.model, err);
            ModelInfo info = net.info();
            digest = info.digest();
            empty = info.emptyAdapters();
            if (empty > 0) {
                notes.add("empty adapters: " + InfoCommand.emptyAdapters(info));
            }
            retained = net.evaluateRetained();
            DataOptions.Prepared p = null;
            try {
                DataOptions recorded = data.orRecorded(info.dataSpec());
                p = recorded.prepare(progress);
            } catch (LegoNetException e) {
                notes.add("test and forgotten sets skipped: " + e.getMessage());
            }
            if (p != null) {
                if (p.test() != null) {
                    test = net.evaluate(p.test());
                } else {
                    notes.add("the data has no test split (pass --test)");
                }
                if (info.samplesForgotten() > 0) {
                    Dataset priv = p.privateSplit();
                    List<Integer> rows = new ArrayList<>();
                    for (int r = 0; r < priv.size(); r++) {
                        if (net.wasForgotten(priv.id(r))) {
                            rows.add(r);
                        }
                    }
                    if (rows.size() != info.samplesForgotten()) {
                        notes.add("found " + rows.size() + " of the " + info.samplesForgotten()
                                + " forgotten samples in the data given");
                    }
                    if (!rows.isEmpty()) {
                        Dataset gone = priv.select(rows.stream().mapToInt(Integer::intValue).toArray(), "forgotten");
                        forgotten = net.evaluate(gone);
                    }
                }
            }
        }
        json.put("test_accuracy", test == null ? null : Out.round(test.accuracy()));
        json.put("retained_accuracy", Out.round(retained.accuracy()));
        json.put("forgotten_accuracy", forgotten == null ? null : Out.round(forgotten.accuracy()));
        json.put("test", test == null ? null : Out.accuracy(test));
        json.put("retained", Out.accuracy(retained));
        json.put("forgotten", forgotten == null ? null : Out.accuracy(forgotten));
        json.put("model_digest", digest);
        json.put("empty_adapters", empty);
        json.put("notes", notes);
        if (common.json) {
            Out.json(spec.commandLine().getOut(), json);
            return 0;
        }
        java.io.PrintWriter out = spec.commandLine().getOut();
        out.printf("%-10s %9s %8s   per class%n", "set", "samples", "accuracy");
        row(out, "test", test);
        row(out, "retained", retained);
        row(out, "forgotten", forgotten);
        for (String n : notes) {
            out.println("note: " + n);
        }
        out.flush();
        return 0;
    }

    private static void row(java.io.PrintWriter out, String name, Accuracy a) {
        if (a == null) {
            out.printf("%-10s %9s %8s%n", name, "-", "-");
            return;
        }
        StringBuilder per = new StringBuilder();
        for (int c = 0; c < a.perClassSamples().length; c++) {
            per.append(c == 0 ? "" : " ").append(c).append(':').append(Out.pct(a.accuracy(c)).replace("0.", "."));
        }
        out.printf("%-10s %,9d %8s   %s%n", name, a.samples(), Out.pct(a.accuracy()), per);
    }
}

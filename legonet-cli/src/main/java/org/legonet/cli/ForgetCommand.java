package org.legonet.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.IdKey;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.UpdateReport;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Forget samples exactly: retrain only the adapters they activated, erase their data.",
        name = "forget", sortOptions = false,
        description = "Forget samples exactly: retrain from scratch only the adapters they activated, erase their features and encodings from the model directory, and commit the new model atomically. Unknown ids are an error before anything changes; ids forgotten earlier are a no-op.")
final class ForgetCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @Option(names = "--ids", paramLabel = "FILE",
                description = "A file of sample ids, one per line (blank lines and lines starting with # are skipped).")
        Path idsFile;

        @Option(names = "--id", paramLabel = "ID", description = "A sample id (repeat for several).")
        List<Long> ids;

        @Option(names = "--class", paramLabel = "C", description = "Every private sample of class C (the paper's UnClass).")
        Integer forgetClass;
    }

    @Mixin
    IdKeyOptions idKey = new IdKeyOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        boolean spark = engine.spark("forget", false);
        ForgetRequest request = request();
        PrintWriter err = spec.commandLine().getErr();
        UpdateReport r = commit(dir.model, Edit.forget(request), common, spark ? engine : null, "forget",
                idKey.find(dir.model, System.getenv(), err), err);
        if (common.json) {
            Out.json(spec.commandLine().getOut(), toJson(r));
        } else {
            print(spec.commandLine().getOut(), r, "forgotten", r.forgotten(),
                    r.changed() ? "Forgotten." : "Nothing to forget.");
        }
        return 0;
    }

    /**
     * Applies {@code edit} to the model directory and commits it; the committed update's report.
     * With {@code spark} (the command's engine options when it runs on Spark, else null) the
     * adapters are retrained as Spark jobs. {@code key} is the model's id key (null when none was
     * found: a model with keyed id hashes then fails with a one-line error naming how to give it).
     */
    static UpdateReport commit(Path model, Edit edit, CommonOptions common, EngineOptions spark, String command,
                               IdKey key, PrintWriter err) {
        if (spark != null) {
            return SparkEngine.update(spark, model, edit, common, command, key);
        }
        LegoNet.warmUp();
        try (LegoNet net = LegoNet.openForUpdate(model, new LegoNet.Options(common.threads, common.progress(), key))) {
            IdKeyOptions.warnIfUnkeyed(net, model, err);
            LegoNet.Update u = net.apply(edit);
            LegoNet committed = u.commit();
            return committed.lastUpdate() != null ? committed.lastUpdate() : u.report();
        }
    }

    /** The report of an update as aligned lines, {@code what} naming the count of samples changed. */
    static void print(PrintWriter out, UpdateReport r, String what, int count, String title) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("request", r.request());
        rows.put(what, String.format(Locale.ROOT, "%,d sample%s", count, count == 1 ? "" : "s"));
        rows.put("adapters retrained", r.adaptersRetrained().size() + " " + Out.list(r.adaptersRetrained(), 12)
                + (r.cover() > 0 ? " (with route-hiding cover: " + r.cover() + " of them hold no changed sample; "
                + "which is not shown)" : ""));
        rows.put("samples retrained", String.format(Locale.ROOT, "%,d", r.samplesRetrained()));
        rows.put("parameters retrained", String.format(Locale.ROOT, "%,d", r.parametersRetrained()));
        rows.put("seconds", String.format(Locale.ROOT, "%.3f (retraining %.3f, store update %.3f)", r.seconds(),
                r.trainSeconds(), r.storeSeconds()));
        rows.put("digest before", r.digestBefore());
        rows.put("digest after", r.digestAfter());
        Out.table(out, title, rows);
        for (String n : r.notes()) {
            out.println("note: " + n);
        }
        out.flush();
    }

    private ForgetRequest request() {
        if (what.forgetClass != null) {
            return ForgetRequest.ofClass(what.forgetClass);
        }
        if (what.ids != null) {
            return ForgetRequest.ofIds(what.ids.stream().mapToLong(Long::longValue).toArray());
        }
        return ForgetRequest.ofIds(readIds(what.idsFile));
    }

    static long[] readIds(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new LegoNetException("ids file " + file + " does not exist");
        } catch (IOException e) {
            throw new LegoNetException("cannot read ids file " + file + ": " + e.getMessage());
        }
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String s = lines.get(i).strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            try {
                ids.add(Long.parseLong(s));
            } catch (NumberFormatException e) {
                throw new LegoNetException(file + " line " + (i + 1) + ": '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s)
                        + "' is not an integer sample id");
            }
        }
        if (ids.isEmpty()) {
            throw new LegoNetException("ids file " + file + " holds no ids");
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    static Map<String, Object> toJson(UpdateReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("forgotten", r.forgotten());
        m.put("already_forgotten", r.alreadyForgotten());
        m.put("adapters_retrained", r.adaptersRetrained());
        m.put("cover", r.cover());
        m.put("samples_retrained", r.samplesRetrained());
        m.put("parameters_retrained", r.parametersRetrained());
        m.put("seconds", Out.round(r.seconds()));
        m.put("train_seconds", Out.round(r.trainSeconds()));
        m.put("store_seconds", Out.round(r.storeSeconds()));
        m.put("digest_before", r.digestBefore());
        m.put("digest_after", r.digestAfter());
        m.put("notes", r.notes());
        return m;
    }
}

package org.legonet.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.legonet.bench.privacy.PrivacyAudit;
import org.legonet.bench.privacy.PrivacyReport;
import org.legonet.bench.privacy.PrivacyResults;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Audit membership leakage and what a deletion reveals (docs/privacy.md).",
        name = "privacy", sortOptions = false,
        description = {"Attacks the model as an auditor would, and writes nothing to it (docs/privacy.md):",
                "  membership  the loss-threshold attack and offline LiRA (shadow LegoNets on random halves of the "
                        + "retained samples, trained as the model trains its adapters) on three pairs of sets: retained "
                        + "vs unseen (the test split), forgotten vs unseen, forgotten vs retained; AUC with a bootstrap "
                        + "95% interval, TPR at 0.1% and 1% FPR;",
                "  deletion    the before/after attack: forgets of random retained samples simulated in memory, each "
                        + "ranked among retained and unseen candidates by its route's overlap with the adapters an "
                        + "observer sees change (the log's list alone; the list and the model's answers; the weights' "
                        + "diff and the answers); top-1, top-10 and AUC for each cover setting, with the seconds per "
                        + "removal.",
                "The forgotten samples are found again in your data by their id hashes, as 'eval' finds them; the data is "
                        + "read from where 'train' read it unless the options below say otherwise. Each set is "
                        + "subsampled to at most --max-per-set samples (seeded)."})
final class PrivacyCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Option(names = "--json", paramLabel = "FILE", description = "Write every figure as JSON here.")
    Path json;

    @Option(names = "--report", paramLabel = "FILE", description = "Write a Markdown report here, with the ROC plot "
            + "beside it (NAME-roc.png).")
    Path report;

    @Option(names = "--shadows", paramLabel = "S", description = "Shadow models for LiRA (each retrains every "
            + "adapter on half the retained samples). Default: ${DEFAULT-VALUE}.")
    int shadows = PrivacyAudit.Options.defaults().shadows();

    @Option(names = "--trials", paramLabel = "T", description = "Forgets simulated by the before/after attack, per "
            + "cover (0: skip it). Default: ${DEFAULT-VALUE}.")
    int trials = PrivacyAudit.Options.defaults().trials();

    @Option(names = "--candidates", paramLabel = "M", description = "Retained and unseen candidates (M of each) "
            + "ranked beside each forgotten sample. Default: ${DEFAULT-VALUE}.")
    int candidates = PrivacyAudit.Options.defaults().candidates();

    @Option(names = "--covers", paramLabel = "C,C,...", split = ",", description = "Cover settings the before/after "
            + "attack tries (adapters retrained besides the sample's own; capped at n - k). Default: 0, k and 4k.")
    List<Integer> covers;

    @Option(names = "--max-per-set", paramLabel = "N", description = "Samples scored per set at most (a seeded "
            + "subsample beyond). Default: ${DEFAULT-VALUE}.")
    int maxPerSet = PrivacyAudit.Options.defaults().maxPerSet();

    @Option(names = "--seed", paramLabel = "S", description = "Seed of every random choice of the audit. "
            + "Default: ${DEFAULT-VALUE}.")
    long seed = PrivacyAudit.Options.defaults().seed();

    @Option(names = "--threads", paramLabel = "T", description = "Worker threads (default: all ${sys:legonet.cores} "
            + "cores). Never changes a figure, only the time.")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = {"-q", "--quiet"}, description = "No progress bars or progress lines on stderr.")
    boolean quiet;

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    IdKeyOptions idKey = new IdKeyOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrivacyAudit.Options options = new PrivacyAudit.Options(shadows, trials, candidates, maxPerSet, covers, seed,
                threads);
        CliProgress progress = CliProgress.create(quiet);
        PrivacyResults.Run run;
        PrintWriter err = spec.commandLine().getErr();
        try (LegoNet net = LegoNet.open(dir.model, new LegoNet.Options(threads, progress,
                idKey.find(dir.model, System.getenv(), err)))) {
            IdKeyOptions.warnIfUnkeyed(net, dir.model, err);
            ModelInfo info = net.info();
            DataOptions recorded = data.orRecorded(info.dataSpec());
            DataOptions.Prepared p = recorded.prepare(progress);
            if (p.test() == null) {
                throw new LegoNetException("the privacy audit needs unseen samples and the data has no test split; "
                        + "pass --test");
            }
            run = new PrivacyAudit(options, progress).run(net, p.privateSplit(), p.test(), info.samplesForgotten());
        }
        return write(run, json, report, spec.commandLine().getOut());
    }

    /** Prints the audit's tables and writes the JSON and the report (with its plot) asked for. */
    static int write(PrivacyResults.Run run, Path json, Path report, PrintWriter out) throws IOException {
        out.print(PrivacyReport.console(run));
        if (json != null) {
            PrivacyReport.writeJson(run, json);
            out.println("Wrote " + json + ".");
        }
        if (report != null) {
            Path plot = PrivacyReport.writeMarkdown(run, report);
            out.println("Wrote " + report + " and " + plot + ".");
        }
        out.flush();
        return 0;
    }
}

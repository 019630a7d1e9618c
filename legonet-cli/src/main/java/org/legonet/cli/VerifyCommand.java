package org.legonet.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Prove a model exact: rebuild it from the retained raw samples and compare bit for bit.",
        name = "verify", sortOptions = false,
        description = "Prove a model exact: rebuild it from the retained raw samples alone (re-encode with the frozen encoder, re-route with the frozen keys, retrain adapters from scratch) and compare every adapter bit for bit. Prints EXACT and exits 0 only when all match; otherwise names the adapters that differ and exits 1. With --affected-only it prints 'EXACT (affected only)' and what it rebuilt and what it only checked (exit 0 when those match): that is a quick check, not the proof. Writes nothing.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Option(names = "--affected-only", description = "Retrain only the adapters some forget or add retrained; the others "
            + "are only checked against the sample-set digests in their files, which does not prove their weights.")
    boolean affectedOnly;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        boolean spark = engine.spark("verify", false);
        if (spark && affectedOnly) {
            throw new LegoNetException("--affected-only runs in process only; drop it (Spark rebuilds every adapter) "
                    + "or drop --engine spark");
        }
        VerifyReport r;
        if (spark) {
            r = SparkEngine.verify(engine, dir.model, common);
        } else {
            try (LegoNet net = LegoNet.open(dir.model, new LegoNet.Options(common.threads, common.progress()))) {
                r = affectedOnly ? net.verifyAffected() : net.verify();
            }
        }
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("result", result(r));
            m.put("exact", r.provenExact());
            m.put("checks_passed", r.exact());
            m.put("scope", r.fullRebuild() ? "full" : "affected_only");
            m.put("scope_description", r.scope());
            m.put("samples", r.samples());
            m.put("adapters_checked", r.adaptersRebuilt() + r.adaptersNotRebuilt());
            m.put("adapters_rebuilt", r.adaptersRebuilt());
            m.put("adapters_not_rebuilt", r.adaptersNotRebuilt());
            m.put("differing_adapters", r.differing());
            m.put("encodings_match", r.encodingsMatch());
            m.put("routes_match", r.routesMatch());
            m.put("stored_digest", r.storedDigest());
            m.put("rebuilt_digest", r.rebuiltDigest());
            m.put("seconds", Out.round(r.seconds()));
            m.put("problems", r.problems());
            Out.json(out, m);
        } else {
            out.println(r.fullRebuild() ? result(r) : result(r) + ": " + r.scope());
            out.printf(Locale.ROOT, "  rebuilt %d adapter%s from %,d retained samples in %.2f s%n", r.adaptersRebuilt(),
                    r.adaptersRebuilt() == 1 ? "" : "s", r.samples(), r.seconds());
            out.println("  stored digest   " + r.storedDigest());
            out.println("  rebuilt digest  " + r.rebuiltDigest());
            for (String p : r.problems()) {
                out.println("  " + p);
            }
            if (r.exact() && !r.fullRebuild()) {
                out.println("  run verify without --affected-only to prove the whole model exact");
            }
            out.flush();
        }
        return r.exact() ? 0 : LegoNetCli.NOT_EXACT;
    }

    /** "EXACT" only for a full rebuild that matched bit for bit. */
    private static String result(VerifyReport r) {
        if (!r.exact()) {
            return "NOT EXACT";
        }
        return r.fullRebuild() ? "EXACT" : "EXACT (affected only)";
    }
}

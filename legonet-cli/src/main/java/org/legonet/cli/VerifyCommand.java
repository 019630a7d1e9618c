package org.legonet.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.store.ModelStore;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.unlearn.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Prove a model exact: rebuild it from the retained raw samples and compare bit for bit.",
        name = "verify", sortOptions = false,
        description = "Prove a model exact: rebuild it from the retained raw samples alone (re-encode with the frozen encoder, re-route with the frozen keys, retrain adapters from scratch) and compare every adapter bit for bit. Prints EXACT and exits 0 only when all match; otherwise names the adapters that differ and exits 1. Writes nothing.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Option(names = "--affected-only", description = "Retrain only the adapters some forget retrained "
            + "(the others are checked by their sample-set digests).")
    boolean affectedOnly;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        VerifyReport r;
        try (ModelStore store = ModelStore.open(dir.model, false)) {
            r = new Verifier(common.threads, common.progress()).verify(store, affectedOnly);
        }
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("result", r.exact() ? "EXACT" : "NOT EXACT");
            m.put("exact", r.exact());
            m.put("samples", r.samples());
            m.put("adapters_checked", r.adaptersChecked());
            m.put("differing_adapters", r.differing());
            m.put("encodings_match", r.encodingsMatch());
            m.put("routes_match", r.routesMatch());
            m.put("stored_digest", r.storedDigest());
            m.put("rebuilt_digest", r.rebuiltDigest());
            m.put("seconds", Out.round(r.seconds()));
            m.put("problems", r.problems());
            Out.json(out, m);
        } else {
            out.println(r.exact() ? "EXACT" : "NOT EXACT");
            out.printf(Locale.ROOT, "  rebuilt %d adapter%s from %,d retained samples in %.2f s%n", r.adaptersChecked(),
                    r.adaptersChecked() == 1 ? "" : "s", r.samples(), r.seconds());
            out.println("  stored digest   " + r.storedDigest());
            out.println("  rebuilt digest  " + r.rebuiltDigest());
            for (String p : r.problems()) {
                out.println("  " + p);
            }
            out.flush();
        }
        return r.exact() ? 0 : LegoNetCli.NOT_EXACT;
    }
}

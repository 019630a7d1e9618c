/**
 * The {@code legonet} command line (picocli): quickstart, train, eval, forget, verify, predict,
 * info and bench. Commands parse and print; the work is done by {@code legonet-core} and
 * {@code legonet-bench}. Errors the user can fix print one line and exit 2.
 */
package org.legonet.cli;

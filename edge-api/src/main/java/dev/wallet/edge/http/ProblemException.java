package dev.wallet.edge.http;

/**
 * A request that cannot become a command (malformed, unauthenticated, not allowed), carried to
 * the router's failure handler. Business refusals are not thrown: they are {@link Problem} values.
 */
public final class ProblemException extends RuntimeException {

  private final transient Problem problem;

  public ProblemException(Problem problem) {
    super(problem.code().wire() + ": " + problem.detail(), null, false, false);
    this.problem = problem;
  }

  public static ProblemException invalid(String detail) {
    return new ProblemException(Problem.invalidRequest(detail));
  }

  public Problem problem() {
    return problem;
  }
}

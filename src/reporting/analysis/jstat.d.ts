/** The slice of jStat's API seedsweep uses (the package ships no types). */
declare module 'jstat' {
  interface ContinuousDistribution<Args extends number[]> {
    pdf(x: number, ...args: Args): number;
    cdf(x: number, ...args: Args): number;
    inv(p: number, ...args: Args): number;
  }
  interface JStatStatic {
    studentt: ContinuousDistribution<[dof: number]>;
    normal: ContinuousDistribution<[mean: number, sd: number]>;
    chisquare: ContinuousDistribution<[dof: number]>;
    centralF: ContinuousDistribution<[df1: number, df2: number]>;
    /** Accurate log-gamma (SPECFUN), unlike `gammaln` (Numerical Recipes, ~1e-10). */
    loggam(x: number): number;
  }
  const jStat: JStatStatic;
  export default jStat;
}

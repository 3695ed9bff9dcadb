/**
 * Why a target can be missed on this code, from profiling it (bench/README.md says how). Printed
 * under "Missed targets" next to the measured gap, only for the targets this run missed.
 */
export const causes: Record<string, string> = {};

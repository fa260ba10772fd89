import type { z } from 'zod';

// One line per problem, `stages.1.run: required`, so a user can find each in the file without a stack trace.
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${describeIssue(issue)}`;
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required';
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_union') {
    const inner = issue.errors.flat().find((i) => i.code !== 'invalid_type');
    if (inner) return describeIssue(inner);
  }
  return issue.message;
}

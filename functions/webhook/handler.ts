/** Placeholder until this function's issue lands; replaced by its owner. */
export const handler = async (): Promise<never> => {
  throw new Error('not implemented yet');
};

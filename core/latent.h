/* Latent geometry: principal components of latent vectors and a linear classifier between
 * two sets of them (crlatent). A matrix x holds n rows, one per block, of dim values, its
 * z (latent.slots x latent.width), row-major, in double. LAPACK comes from OpenBLAS. */
#ifndef CR_LATENT_H
#define CR_LATENT_H

#include "err.h"

/* The variances of x along its principal components: the eigenvalues of its covariance
 * (divisor n - 1), largest first, into ev[0..min(n, dim)) (values below 0 from rounding
 * are 0; n == 1 gives 0). It works on the smaller of the n x n Gram matrix of the centred
 * rows and the dim x dim covariance, which have the same nonzero eigenvalues. When scores
 * is not NULL it also writes the first k (<= min(n, dim)) principal component scores of
 * every row, scores[i * k + j]: the centred row times the component's unit vector, its
 * sign chosen so that the largest score in magnitude is positive. Returns CR_OK,
 * CR_E_NOMEM, or CR_E_NUMERIC when LAPACK fails. */
int cr_latent_pca(const double *x, int n, int dim, double *ev, double *scores, int k,
                  cr_diag *d);

/* How many of the leading eigenvalues ev[0..m) (largest first) it takes for their sum to
 * reach share (0 to 1) of the sum of all; 0 when the sum is 0. */
int cr_latent_explained(const double *ev, int m, double share);

/* A linear discriminant with ridge (regularised LDA) between class 0 and class 1 of the
 * rows of x (y[i] is 0 or 1, both present): w = (S + lambda I)^-1 (mu1 - mu0), S the
 * pooled within-class covariance (divisor n), lambda = ridge * trace(S) / dim, shrinking
 * S towards its mean variance (ridge > 0); and the threshold b = w . (mu0 + mu1) / 2, so
 * that a row is put in class 1 when w . row > b (equal priors). It solves the dim x dim
 * system, or when n < dim the n x n one of the Woodbury identity. w has dim values.
 * Returns CR_OK, CR_E_ARG (a class without rows), CR_E_NOMEM or CR_E_NUMERIC. */
int cr_latent_lda(const double *x, const unsigned char *y, int n, int dim, double ridge,
                  double *w, double *b, cr_diag *d);

#endif

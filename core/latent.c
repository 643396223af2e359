/* Latent geometry: PCA with LAPACK's dsyev, ridge LDA with dposv (see latent.h). */
#include "latent.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK of Debian's OpenBLAS, Fortran calling convention: every argument by address, and
 * the lengths of the character arguments appended (size_t since gfortran 8). */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info, size_t jobz_len,
            size_t uplo_len);
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info, size_t uplo_len);

/* a (m,m) symmetric, its row-major upper triangle set by cblas_dsyrk, which is the
 * column-major lower one LAPACK reads. Eigenvalues ascending into ev; with vec, the
 * eigenvector of ev[j] replaces row j of a (column j in LAPACK's order). */
static int syev(double *a, int m, double *ev, int vec, cr_diag *d)
{
    char jobz = vec ? 'V' : 'N', uplo = 'L';
    int lwork = -1, info = 0;
    double q = 0;
    dsyev_(&jobz, &uplo, &m, a, &m, ev, &q, &lwork, &info, 1, 1);
    if (info != 0)
        return cr_diag_set(d, CR_E_NUMERIC, "dsyev: workspace query failed (info %d)", info);
    lwork = (int)q;
    double *work = malloc((size_t)lwork * sizeof *work);
    if (!work)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory (%d doubles for dsyev)", lwork);
    dsyev_(&jobz, &uplo, &m, a, &m, ev, work, &lwork, &info, 1, 1);
    free(work);
    if (info != 0)
        return cr_diag_set(d, CR_E_NUMERIC, "dsyev: eigenvalues of a %d x %d matrix did not "
                                            "converge (info %d)", m, m, info);
    return CR_OK;
}

/* Solves a x = b in place (b into x) for a (m,m) symmetric positive definite, set as in
 * syev. */
static int posv(double *a, int m, double *b, cr_diag *d)
{
    char uplo = 'L';
    int one = 1, info = 0;
    dposv_(&uplo, &m, &one, a, &m, b, &m, &info, 1);
    if (info != 0)
        return cr_diag_set(d, CR_E_NUMERIC, "dposv: a %d x %d system is not positive definite "
                                            "(info %d)", m, m, info);
    return CR_OK;
}

/* xc = x minus the mean of its rows (mu, dim values) */
static void centre(const double *x, int n, int dim, double *mu, double *xc)
{
    memset(mu, 0, (size_t)dim * sizeof *mu);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < dim; j++)
            mu[j] += x[(size_t)i * dim + j];
    for (int j = 0; j < dim; j++)
        mu[j] /= n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < dim; j++)
            xc[(size_t)i * dim + j] = x[(size_t)i * dim + j] - mu[j];
}

int cr_latent_pca(const double *x, int n, int dim, double *ev, double *scores, int k,
                  cr_diag *d)
{
    int m = n < dim ? n : dim, gram = n <= dim, rc = CR_OK;
    if (n < 1 || dim < 1 || k < 0 || k > m)
        return cr_diag_set(d, CR_E_ARG, "pca of %d rows of %d values, %d scores", n, dim, k);
    double *mu = malloc((size_t)dim * sizeof *mu), *e = malloc((size_t)m * sizeof *e);
    double *xc = malloc((size_t)n * dim * sizeof *xc), *a = malloc((size_t)m * m * sizeof *a);

    if (!mu || !e || !xc || !a) {
        rc = cr_diag_set(d, CR_E_NOMEM, "out of memory (pca of %d rows of %d values)", n, dim);
        goto done;
    }
    centre(x, n, dim, mu, xc);
    /* Gram: G = Xc Xc^T (n,n); covariance: Xc^T Xc (dim,dim); same nonzero eigenvalues */
    if (gram)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, dim, 1.0, xc, dim, 0.0, a, n);
    else
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, dim, n, 1.0, xc, dim, 0.0, a, dim);
    if ((rc = syev(a, m, e, scores != NULL, d)) < 0)
        goto done;
    for (int j = 0; j < m; j++)
        ev[j] = e[m - 1 - j] > 0 ? e[m - 1 - j] / (n > 1 ? n - 1 : 1) : 0.0;
    for (int c = 0; c < k && scores; c++) {
        const double *v = a + (size_t)(m - 1 - c) * m;
        double top = 0, root = e[m - 1 - c] > 0 ? sqrt(e[m - 1 - c]) : 0.0;
        for (int i = 0; i < n; i++) {
            /* Gram: G = U S^2 U^T, scores U S; covariance: scores Xc v */
            double s = gram ? v[i] * root : cblas_ddot(dim, xc + (size_t)i * dim, 1, v, 1);
            scores[(size_t)i * k + c] = s;
            if (fabs(s) > fabs(top))
                top = s;
        }
        for (int i = 0; i < n && top < 0; i++)
            scores[(size_t)i * k + c] = -scores[(size_t)i * k + c];
    }
done:
    free(mu);
    free(e);
    free(xc);
    free(a);
    return rc;
}

int cr_latent_explained(const double *ev, int m, double share)
{
    double total = 0, sum = 0;
    for (int j = 0; j < m; j++)
        total += ev[j];
    if (!(total > 0))
        return 0;
    for (int j = 0; j < m; j++) {
        sum += ev[j];
        /* a relative margin, so that share 1 is reached despite rounding in the sum */
        if (sum >= share * total * (1 - 1e-12))
            return j + 1;
    }
    return m;
}

int cr_latent_lda(const double *x, const unsigned char *y, int n, int dim, double ridge,
                  double *w, double *b, cr_diag *d)
{
    int cnt[2] = {0, 0}, m = dim <= n ? dim : n, rc = CR_OK;
    if (n < 1 || dim < 1)
        return cr_diag_set(d, CR_E_ARG, "lda of %d rows of %d values", n, dim);
    double *mu = calloc(2 * (size_t)dim, sizeof *mu), *xc = malloc((size_t)n * dim * sizeof *xc);
    double *a = malloc((size_t)m * m * sizeof *a), *r = malloc((size_t)n * sizeof *r);

    for (int i = 0; i < n; i++)
        cnt[y[i] != 0]++;
    if (!cnt[0] || !cnt[1] || !(ridge > 0)) {
        rc = cr_diag_set(d, CR_E_ARG, "lda: %d and %d rows, ridge %g", cnt[0], cnt[1], ridge);
        goto done;
    }
    if (!mu || !xc || !a || !r) {
        rc = cr_diag_set(d, CR_E_NOMEM, "out of memory (lda of %d rows of %d values)", n, dim);
        goto done;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < dim; j++)
            mu[(size_t)(y[i] != 0) * dim + j] += x[(size_t)i * dim + j] / cnt[y[i] != 0];
    double trace = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < dim; j++) {
            double v = x[(size_t)i * dim + j] - mu[(size_t)(y[i] != 0) * dim + j];
            xc[(size_t)i * dim + j] = v;
            trace += v * v;
        }
    /* lambda: ridge times the mean within-class variance; any lambda > 0 when it is 0 */
    double lambda = trace > 0 ? ridge * trace / n / dim : 1.0;
    for (int j = 0; j < dim; j++)
        w[j] = mu[dim + j] - mu[j];
    if (dim <= n) {
        /* (Xc^T Xc / n + lambda I) w = mu1 - mu0 */
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, dim, n, 1.0 / n, xc, dim, 0.0, a,
                    dim);
        for (int j = 0; j < dim; j++)
            a[(size_t)j * dim + j] += lambda;
        if ((rc = posv(a, dim, w, d)) < 0)
            goto done;
    } else {
        /* Woodbury: (lambda I + Xc^T Xc / n)^-1 v = (v - Xc^T (n lambda I + Xc Xc^T)^-1 Xc v)
         * / lambda, an n x n system instead of dim x dim */
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, dim, 1.0, xc, dim, 0.0, a, n);
        for (int i = 0; i < n; i++)
            a[(size_t)i * n + i] += n * lambda;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, n, dim, 1.0, xc, dim, w, 1, 0.0, r, 1);
        if ((rc = posv(a, n, r, d)) < 0)
            goto done;
        cblas_dgemv(CblasRowMajor, CblasTrans, n, dim, -1.0, xc, dim, r, 1, 1.0, w, 1);
        for (int j = 0; j < dim; j++)
            w[j] /= lambda;
    }
    *b = 0;
    for (int j = 0; j < dim; j++)
        *b += w[j] * (mu[j] + mu[dim + j]) / 2;
done:
    free(mu);
    free(xc);
    free(a);
    free(r);
    return rc;
}

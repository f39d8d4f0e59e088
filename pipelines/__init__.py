import warnings

# pandera imports pyspark.pandas when pyspark is installed (the Spark build needs it); its
# complaint about pandas 3 concerns the pandas-on-Spark API, which the project does not use.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

Console.WriteLine("IngestHub");

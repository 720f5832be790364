Console.WriteLine("ingesthub");
